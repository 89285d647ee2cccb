"""一事一议 — fire-acceptance problems submitted to the county government (issue 17 item 7; Anshan 2020 item 23)."""
