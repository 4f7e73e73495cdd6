"""How the sample portal's static list pages write their lines and pagers, in every form the field
shows (../shared/portals/PORTALS.md, "Seen on real columns"), independently of the CMS family.

A list *markup* writes the lines of one list page; a *pager* names the list's pages and writes
the pager of one of them. A site combines any markup with any pager.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

MARKUPS = ("ul", "ul_pager_inside", "dl", "table", "div", "br", "double_a", "blocks")
PAGERS = ("createPageHTML0", "createPageHTML1", "Pager", "countPage", "countPage_rendered", "html_empire",
          "html_trs", "html_query", "html_dede", "next_only", "vsb")


@dataclass
class Line:
    href: str
    title: str
    date: str


def _a(line: Line, with_title: bool = True) -> str:
    t = html.escape(line.title)
    attr = f' title="{t}"' if with_title else ""
    return f'<a href="{html.escape(line.href)}"{attr} target="_blank">{t}</a>'


def lines_html(markup: str, lines: list[Line], pager: str = "") -> str:
    """The list block of one page (`pager`: the pager's HTML, placed where this markup puts it)."""
    if markup == "ul":
        body = "\n".join(f"<li>{_a(x)}<span>{x.date}</span></li>" for x in lines)
        return f'<div class="list"><ul class="list-ul">\n{body}\n</ul></div>\n{pager}'
    if markup == "ul_pager_inside":  # the pager <div> inside the list's <ul> (EmpireCMS, real zhecheng)
        body = "\n".join(f'<li><a href="{html.escape(x.href)}">{html.escape(x.title)}</a>'
                         f'<span class="time">{x.date}</span></li>' for x in lines)
        return f'<div class="news_list"><ul>\n{body}\n<div class="pages">{pager}</div>\n</ul></div>\n'
    if markup == "dl":  # dl > dd > a, the date in the next dd
        body = "\n".join(f'<dd class="title">{_a(x)}</dd><dd class="date">{x.date}</dd>' for x in lines)
        return f'<dl class="newslist"><dt>信息列表</dt>\n{body}\n</dl>\n{pager}'
    if markup == "table":  # img, link and date cells (real ordos-egb)
        body = "\n".join(f'<tr valign="top"><td width="25"><img src="/images/ico2.jpg"></td>'
                         f'<td width="550">\n\t{_a(x, False)}\n</td><td>\n\t{x.date}\n</td></tr>' for x in lines)
        return f'<table class="gl_list" width="682">\n<tbody>{body}</tbody></table>\n{pager}'
    if markup == "div":  # div blocks of a link and a date
        body = "\n".join(f'<div class="item clearfix"><span class="dot"></span>{_a(x)}'
                         f'<span class="time fr">[{x.date}]</span></div>' for x in lines)
        return f'<div class="info-list">\n{body}\n</div>\n{pager}'
    if markup == "br":  # bare anchors separated by <br>, the date before each
        body = "<br>\n".join(f"{x.date}&nbsp;&nbsp;{_a(x)}" for x in lines)
        return f'<div class="datelist">\n{body}<br>\n</div>\n{pager}'
    if markup == "double_a":  # every link opened twice and closed once (real jlslyj)
        body = "\n".join(f'<li><span> {x.date} </span><a href="{html.escape(x.href)}"><a href="{html.escape(x.href)}">'
                         f"{html.escape(x.title)}</a></li>" for x in lines)
        return f'<div class="d_960_3"><ul>\n{body}\n</ul></div>\n{pager}'
    if markup == "blocks":  # several list blocks on one page (real VSB column)
        out = []
        for i in range(0, len(lines), 2):
            out.append('<ul class="list-ul">' + "".join(f'<li class="txt-elise">{_a(x, False)}<span>{x.date}</span></li>'
                                                          for x in lines[i:i + 2]) + "</ul>")
        return "\n".join(out) + "\n" + pager
    raise ValueError(f"unknown markup {markup!r}")


def page_names(pager: str, n_pages: int, col: str, stem: str) -> list[str]:
    """The URL paths of a list's pages, first to last (`col`: the column folder, ends with /;
    `stem`: a VSB column's file stem or a DedeCMS list id)."""
    if pager in ("createPageHTML0", "Pager", "countPage", "countPage_rendered", "html_trs"):
        return [col + ("index.html" if i == 0 else f"index_{i}.html") for i in range(n_pages)]
    if pager == "createPageHTML1":
        return [col + ("list.shtml" if i == 0 else f"list_{i + 1}.shtml") for i in range(n_pages)]
    if pager in ("html_empire", "next_only"):
        return [col + ("index.html" if i == 0 else f"index_{i + 1}.html") for i in range(n_pages)]
    if pager == "html_query":
        return [col + "list.aspx" + ("" if i == 0 else f"?page={i + 1}") for i in range(n_pages)]
    if pager == "html_dede":
        return [col + ("index.html" if i == 0 else f"list_{stem}_{i + 1}.html") for i in range(n_pages)]
    if pager == "vsb":
        base = col.rstrip("/")
        return [base + ".htm" if i == 0 else f"{base}/{n_pages - i}.htm" for i in range(n_pages)]
    raise ValueError(f"unknown pager {pager!r}")


def _rel(from_path: str, to_path: str) -> str:
    """A relative href from one page to another in the same folder tree."""
    a, b = from_path.split("/")[:-1], to_path.split("/")
    i = 0
    while i < len(a) and i < len(b) - 1 and a[i] == b[i]:
        i += 1
    return "../" * (len(a) - i) + "/".join(b[i:])


def pager_html(pager: str, names: list[str], n: int, records: int) -> str:
    """The pager of page `n` (0-based) of the list whose pages are `names`."""
    total, here = len(names), names[n]

    def link(i: int, text: str) -> str:
        return f'<a href="{html.escape(_rel(here, names[i]))}">{text}</a>'

    if pager == "createPageHTML0":
        return ('<div class="page"><script language="JavaScript">\n'
                f'var currentPage = {n};//所在页从0开始\nvar countPage = {total}//共多少页数\n'
                f'createPageHTML({total}, {n}, "index", "html");\n</script></div>\n')
    if pager == "createPageHTML1":
        return ('<div id="page_div"></div><script type="text/javascript">\n'
                f"createPageHTML('page_div', {total}, {n + 1}, 'list', 'shtml', {records});\n</script>\n")
    if pager == "Pager":  # a custom pager function (real jlslyj)
        return ('<div id="fenye"></div><script>\nfunction Pager(settings){var cfg=settings||{};'
                "for(var i=0;i<cfg.size;i++){document.write('<a href=\"'+cfg.prefix+(i==0?'':'_'+i)+'.'+cfg.suffix+'\">'"
                "+(i+1)+'</a>');}}\n"
                f"Pager({{size:{total}, current:{n}, prefix:'index',suffix:'html',visible:5,beforeEnd:2}});\n</script>\n")
    if pager in ("countPage", "countPage_rendered"):  # a document.write pager (real ordos-egb)
        script = ('<script>\nvar currentPage = ' + str(n) + ';//所在页从0开始\nvar prevPage = currentPage-1//上一页\n'
                  'var nextPage = currentPage+1//下一页\nvar countPage = ' + str(total) + '//共多少页\n'
                  'document.write("共计&nbsp;"+countPage+"&nbsp;页");\n'
                  'if(countPage>1&&currentPage!=(countPage-1)) document.write("<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>");\n'
                  '</script>\n')
        if pager == "countPage_rendered" and n + 1 < total:  # the DOM as a browser saved it: the written pager after
            script += f'&nbsp;<a href="index.html">首页</a>&nbsp;|{link(n + 1, "下一页")}&nbsp;{link(total - 1, "尾页")}\n'
        return script
    if pager in ("html_empire", "html_trs", "html_query", "html_dede"):
        parts = []
        if pager == "html_empire":
            parts.append(f'<a title="Total record">&nbsp;<b>{records}</b> </a>')
        if pager == "html_query":
            parts.append(f"共{records}条&nbsp;第{n + 1}/{total}页")
        if n > 0:
            parts += [link(0, "首页"), link(n - 1, "上一页")]
        lo, hi = max(0, n - 2), min(total, n + 3)  # a window of page numbers
        parts += [f"<b>{i + 1}</b>" if i == n else link(i, str(i + 1)) for i in range(lo, hi)]
        if n + 1 < total:
            parts += [link(n + 1, "下一页"), link(total - 1, "尾页")]
        return '<div class="pager">' + "&nbsp;".join(parts) + "</div>\n"
    if pager == "next_only":
        return ('<div class="pages">' + (link(n + 1, "下一页") if n + 1 < total else "") + "</div>\n")
    if pager == "vsb":
        nav = [f"共{records}条&nbsp;&nbsp;{n + 1}/{total}&nbsp;"]
        if n > 0:
            nav += [link(0, "首页"), link(n - 1, "上页")]
        if n + 1 < total:
            nav += [link(n + 1, "下页"), link(total - 1, "尾页")]
        return '<table><tr><td><span class="p_pages">' + " ".join(nav) + "</span></td></tr></table>\n"
    raise ValueError(f"unknown pager {pager!r}")
