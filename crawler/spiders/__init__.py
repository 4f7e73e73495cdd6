"""One spider per CMS family; all share crawler.spiders.base.ReportSpider."""
from .base import ReportSpider  # noqa: F401
from .families import (GkmlptSpider, HanwebSpider, JsListSpider, TrsClassicSpider,  # noqa: F401
                       TrsNewerSpider, VsbSpider)

SPIDERS = {cls.family: cls for cls in (TrsClassicSpider, TrsNewerSpider, HanwebSpider, GkmlptSpider,
                                       VsbSpider, JsListSpider)}
