"""Whole pages kept for visitors: the list of communities, a community's topics, a topic.

Most of a public forum's readers are not signed in, and most of their requests ask for a
page nobody has changed since the last visitor saw it. Rendering one costs ~15 ms of
Python (the policy for each of 50 posts, names and dates, Jinja); handing back the same
bytes costs well under one. So each process keeps the pages it rendered for visitors and
hands them to the next visitor who asks for the same page in the same language.

Exact, across processes and machines: every transaction of the forum that writes raises
one number in the database (``cf_page_generation``) in that same transaction, and a
kept page is found by the number read *before* it was rendered. A write anywhere makes
every page kept before it unreachable at once; no page is ever shown that was rendered
before a write its visitor could already see elsewhere. What changes with time alone
(an event that has begun, "today") is covered by the pages' age limit,
``CIVICFORUM_PAGE_CACHE_SECONDS``.

Kept only what cannot differ between visitors: a GET of one of those pages, for a
request whose session is empty (nobody signed in, at the forum or the host; no language
chosen in it, no message waiting) and without credentials; stored only when it answered
200 in HTML, left the session empty (a page that asked for a form's token did not), set
no cookie and was not marked ``Cache-Control: private`` or ``no-store``. The key holds the address as asked (host, scheme, path and query)
and what the page's language is chosen from: the host's choice and the browser's
Accept-Language.
"""
