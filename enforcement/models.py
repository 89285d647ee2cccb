"""Enforcement orders: 责令整改, 停业整顿, emergency measures, referrals (issue 17 item 6; measure 十三)."""
