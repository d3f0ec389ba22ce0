"""One spider per site definition (``crawler.sites.SITES``): ``scrapy crawl <site>``.

The classes are made from the definitions, so a new site needs no spider code.
"""

from __future__ import annotations

from crawler.sites import SITES
from crawler.spiders.site import SiteSpider

#: Site name -> its spider class.
SPIDERS: dict[str, type[SiteSpider]] = {
    name: type(
        f"{name.title().replace('_', '')}Spider",
        (SiteSpider,),
        # Scrapy's spider loader keeps only the classes defined in the module it reads.
        {"name": name, "site": site, "__module__": __name__},
    )
    for name, site in SITES.items()
}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})

RtlSpider = SPIDERS["rtl"]
