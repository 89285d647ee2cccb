"""证照 — licences and certificates of each institution (issue 17 item 5; measures 二, 三 and 十二)."""
