"""www.funradio.fr: RTL's sister station on the same platform, so the same templates; only
how the pages name the site differs (``<title>`` suffix, ``og:site_name``, image host)."""

import dataclasses

from crawler.parsing.sites.rtl import v2021
from crawler.parsing.sites.rtl.v2019 import LAYOUT as RTL_V2019

FUN_RADIO = v2021.Brand(
    names=("Fun Radio", "FunRadio", "funradio.fr", "www.funradio.fr"),
    image_host="images.funradio.fr",
)

LAYOUTS = (v2021.layout("funradio", FUN_RADIO), dataclasses.replace(RTL_V2019, site="funradio"))
