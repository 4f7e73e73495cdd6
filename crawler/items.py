"""Items: one fetched document that may be a report, with what the fetch and the site said."""
import scrapy


class DocumentItem(scrapy.Item):
    site = scrapy.Field()  # registry name
    family = scrapy.Field()
    url = scrapy.Field()  # where the bytes came from (attachment or detail page)
    detail_url = scrapy.Field()  # the detail page that linked the document
    list_url = scrapy.Field()
    title = scrapy.Field()  # title shown in the list / detail page
    list_date = scrapy.Field()
    year_hint = scrapy.Field()  # year read from the title
    body = scrapy.Field()  # raw bytes, as received (rendered DOM for browser pages)
    content_type = scrapy.Field()
    encoding = scrapy.Field()
    http_status = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    fetched_at = scrapy.Field()  # datetime, UTC
    via_browser = scrapy.Field()  # bool: fetched through Chromium
    site_id_code = scrapy.Field()  # SiteIDCode meta of the page (or the detail page)
    region_code = scrapy.Field()  # 6-digit code: SiteIDCode's, else the registry's
