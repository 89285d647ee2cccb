"""信用记录 keyed by the Unified Social Credit Code (issue 17 item 4; measures 九 and 十二)."""
