"""Excel template, import (upload → preview → apply) and export of the institution list."""
