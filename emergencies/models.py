"""突发事件 and 应急演练/宣传普及 (issue 17 items 2 and 3; measure 八)."""
