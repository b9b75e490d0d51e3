"""What wikitext holds names rather than prose: the tables the scanner reads.

Each table maps an entry to the reason it is there, so that a reader (and
``tests/test_markup_wikitext.py``, which checks the tables) can see why a
parameter or template is treated as it is.  Names are compared lowercased,
with ``_`` read as a space, as MediaWiki compares template names.
"""

from __future__ import annotations

import re

# $wgUrlProtocols of MediaWiki's default configuration (MainConfigSchema),
# written out here as data.  Entries ending in "//" need the slashes; the
# others are followed by the address directly ("mailto:a@b").  "//" alone
# (protocol-relative) counts only inside brackets, as in MediaWiki.
URL_PROTOCOLS: dict[str, str] = {
    "bitcoin:": "Bitcoin payment URI",
    "ftp://": "file transfer",
    "ftps://": "file transfer over TLS",
    "geo:": "geographic location URI",
    "git://": "git repository",
    "gopher://": "gopher",
    "http://": "web",
    "https://": "web over TLS",
    "irc://": "IRC channel",
    "ircs://": "IRC over TLS",
    "magnet:": "magnet link",
    "mailto:": "e-mail address",
    "matrix:": "Matrix chat URI",
    "mms://": "Microsoft media server",
    "news:": "Usenet group",
    "nntp://": "Usenet server",
    "redis://": "Redis server",
    "sftp://": "SSH file transfer",
    "sip:": "SIP telephony",
    "sips:": "SIP over TLS",
    "sms:": "text message",
    "ssh://": "SSH",
    "svn://": "Subversion repository",
    "tel:": "telephone number",
    "telnet://": "telnet",
    "urn:": "uniform resource name",
    "worldwind://": "NASA World Wind",
    "xmpp:": "Jabber/XMPP address",
    "//": "protocol-relative (bracketed links only)",
}

# Template parameters whose value is a file name (an image, a map, a
# signature): converting it names another file, and the image breaks.
FILE_PARAMS: dict[str, str] = {
    "image": "infobox image",
    "image_flag": "country infobox: flag file",
    "image_coat": "country infobox: coat of arms file",
    "image_skyline": "settlement infobox: skyline file",
    "image_map": "infobox: locator map file",
    "logo": "organisation infobox: logo file",
    "signature": "person infobox: signature file",
    "cover": "book/album infobox: cover file",
    "map_image": "infobox: map file",
    "pushpin_map": "infobox: pushpin map (a map template's name)",
    "图像": "image, Simplified",
    "圖像": "image, Traditional",
    "图片": "picture, Simplified",
    "圖片": "picture, Traditional",
    "照片": "photo (same in both scripts)",
    "标志": "logo, Simplified",
    "標誌": "logo, Traditional",
    "標志": "logo, Traditional variant spelling",
    "旗帜": "flag, Simplified",
    "旗幟": "flag, Traditional",
    "签名": "signature, Simplified",
    "簽名": "signature, Traditional",
}

# A value that is one file name (whatever the parameter is called).
FILE_EXTENSIONS: dict[str, str] = {
    "svg": "vector image", "png": "raster image", "jpg": "photo", "jpeg": "photo", "gif": "animation",
    "tif": "scan", "tiff": "scan", "webp": "raster image", "ogg": "audio/video", "webm": "video",
    "pdf": "document", "djvu": "scanned document",
}
FILE_VALUE = re.compile(
    r"[ \t\n]*(?:(?:File|Image|文件|檔案|档案|图像|圖像)[ \t]*:[ \t]*)?[^\[\]{}<>|\n]*\.(?:%s)[ \t\n]*"
    % "|".join(sorted(FILE_EXTENSIONS, key=len, reverse=True)),
    re.I,
)

# Parameters whose values are names, codes or addresses in every template.
ID_PARAMS: dict[str, str] = {
    **{k: "web address" for k in ("url", "archiveurl", "archive-url", "chapter-url", "chapterurl",
                                  "contribution-url", "website")},
    **{k: "date (format is checked by the template)" for k in (
        "archivedate", "archive-date", "accessdate", "access-date", "date", "df", "mf")},
    **{k: "identifier" for k in ("doi", "isbn", "issn", "pmid", "pmc", "oclc", "id", "bibcode", "jstor")},
    **{k: "file name" for k in ("image_name", "imagename", "file", "filename", "photo", "picture", "flag",
                                "map")},
    **{k: "language or script code" for k in ("lang", "language", "script", "trans-lang")},
    **{k: "coordinate" for k in ("coordinates", "coord", "lat", "long", "latitude", "longitude")},
    **{k: "layout or CSS" for k in ("format", "type", "class", "style", "width", "height", "size", "align",
                                    "colspan", "rowspan", "bgcolor", "color", "upright")},
    "name": "an identifier (ref name, navbox's own page name); infoboxes override it",
    "ref": "a reference name",
    "links": "yes/no switch",
}

# Parameters that are prose in templates whose name starts with a prefix,
# although ID_PARAMS lists them: an infobox's "name" is the title it shows.
PROSE_PARAMS_BY_PREFIX: dict[tuple[str, str], str] = {
    ("infobox", "name"): "the infobox's shown title",
    ("信息框", "name"): "the infobox's shown title",
    ("資訊框", "name"): "the infobox's shown title",
}

# Templates kept whole: their parameters are conversion rules or names.
WHOLE_TEMPLATES: dict[str, str] = {
    "noteta": "conversion rules for the page (read by manual_rules)",
    "ta": "short name of NoteTA",
    "全文字词转换": "NoteTA, Simplified name",
    "全文字詞轉換": "NoteTA, Traditional name",
    "cite doi": "a DOI",
    "lang-en": "English text",
}

# Chinese language codes whose text conversion may change: "zh" alone says
# the text is Chinese without fixing a script.  Codes with a script or
# region (zh-hans, zh-tw…) mark the text as written on purpose in that
# form, and MediaWiki's {{lang}} on zh.wikipedia wraps it in -{ }-.
CONVERTIBLE_LANG_CODES: dict[str, str] = {
    "zh": "Chinese, script not specified",
    "cmn": "Mandarin, script not specified",
    "zho": "Chinese (ISO 639-2/T)",
    "chi": "Chinese (ISO 639-2/B)",
}

# Positional parameters that hold foreign text or names in language
# templates (1-based).  Named parameters of these templates are switches
# (links=no, italic=…) handled by ID_PARAMS or left as prose.
#   {{lang|code|text}}: 1 is the code, 2 the text (kept unless the code is
#     a plain Chinese one).
#   {{lang-xx|text}}: 1 is text in language xx (kept unless xx is Chinese).
#   {{Nihongo|中文|日本語|romaji|extra}}: 1 is the local (Chinese) name and
#     4+ are prose; 2 is Japanese, 3 its romanisation.
#   {{link-xx|中文条目|外文条目|显示文字}} (zh.wikipedia's interlanguage link
#     helpers, read from their documentation): 1 is the local page name (a
#     link target), 2 the page name on the xx wiki, 3 the text shown.
NIHONGO_KEPT = {2: "Japanese text", 3: "romanisation"}
LINK_XX_KEPT = {1: "local page name (a link target)", 2: "page name on the foreign wiki"}

# Parser functions: which positional parameters (1-based, after the part
# before the first "|", which is always kept) are names or tests rather
# than shown text.  "*" keeps every parameter.  Others: all shown.
PARSER_FUNCTIONS: dict[str, tuple[object, str]] = {
    "#if": ((), "condition is kept with the name; both branches are shown"),
    "#ifeq": ((1,), "the second compared value is a test"),
    "#iferror": ((), "branches are shown"),
    "#ifexpr": ((), "expression is kept with the name"),
    "#ifexist": ((), "page name is kept with the name"),
    "#switch": ("cases", "case labels are tests; only the values are shown"),
    "#expr": ("*", "an expression"),
    "#time": ("*", "a format and a date"),
    "#timel": ("*", "a format and a date"),
    "#invoke": ((1,), "1 is the Lua function's name"),
    "#tag": ((), "the tag name is kept with the name; 1 is the shown content; named parameters are"
                 " attributes, kept by the scanner"),
    "#property": ("*", "Wikidata property ids"),
    "#statements": ("*", "Wikidata property ids"),
    "#language": ("*", "language codes"),
    "#titleparts": ("*", "a page name"),
    "#rel2abs": ("*", "a page name"),
    "#coordinates": ("*", "coordinates"),
}

# Tags whose content is kept byte for byte: extension tags whose content
# MediaWiki does not parse as wikitext, and HTML tags holding code (which
# MediaWiki would parse, but whose text is not prose).  Then extension tags
# whose content is wikitext parsed on its own: a ref's braces pair inside
# the ref only.
RAW_EXT_TAGS: dict[str, str] = {
    **{k: "code or markup of another language" for k in (
        "nowiki", "pre", "code", "math", "chem", "ce", "syntaxhighlight", "source", "score", "timeline",
        "hiero", "graph", "templatedata", "templatestyles", "mapframe", "maplink", "script", "style",
        "kbd", "samp", "tt", "textarea", "inputbox", "categorytree", "imagemap")},
}
WIKITEXT_EXT_TAGS: dict[str, str] = {
    "ref": "footnote text",
    "references": "list of footnotes",
    "poem": "verse",
    "indicator": "page status indicator",
    "gallery": "file names and captions (names kept by the scanner)",
}
