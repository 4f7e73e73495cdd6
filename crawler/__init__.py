"""The crawler: Scrapy spiders for the 政府信息公开年报 columns of government portals.

Sites live in a registry data file (crawler/sites.json, or the sample portal's
samples/portal/sites.json); one spider per CMS family (crawler/spiders/), items handed to
pipelines that archive, parse (parsers) and store (storage) them off the reactor thread.
"""
