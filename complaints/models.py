"""投诉举报 (issue 17 item 1): intake, routing to the competent department, handling deadline, reply, repeats."""
