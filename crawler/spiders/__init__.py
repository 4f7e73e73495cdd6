"""The spider of every site (crawler.spiders.column.ColumnSpider, ``scrapy crawl column``), its
detail-page handling (crawler.spiders.base) and the readers of families' list APIs
(crawler.spiders.apis)."""
