"""培训 — training sessions organised by the city or a district (issue 17 item 7; Anshan 2020 item 22)."""
