"""The embeddable widget: a community's latest discussions and what is coming up."""
