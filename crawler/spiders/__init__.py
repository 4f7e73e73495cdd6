"""One spider per CMS family; all share crawler.spiders.base.ReportSpider.

The family spiders live in crawler.spiders.families; ``SPIDERS`` there maps family → class.
"""
