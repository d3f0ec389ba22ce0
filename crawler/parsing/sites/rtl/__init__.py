"""www.rtl.fr: its layout versions, newest first (the first whose markers match wins)."""

from crawler.parsing.sites.rtl.v2019 import LAYOUT as V2019
from crawler.parsing.sites.rtl.v2021 import LAYOUT as V2021

LAYOUTS = (V2021, V2019)
