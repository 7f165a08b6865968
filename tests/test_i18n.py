"""The catalogs (locales/*.po) and lib/i18n: every msgid translated, none fuzzy, placeholders kept, no English
words left in a Chinese sentence; plurals through the catalog; locale formats; the language rules of the phone
pages (the link's lang, Accept-Language)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from lib.i18n import (
    CATALOGS,
    DOMAIN,
    LOCALES_DIR,
    PHONE,
    accept_language,
    catalog,
    phone_locale,
    po_path,
    translator,
)
from lib.i18n import formats as f

CATALOG_FILES = [(domain, locale) for domain, locales in CATALOGS.items() for locale in locales]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
# Names from the code that a sentence may quote as they are: settings (AVATAR_DESK_PUBLIC_URL), routes (/callback).
# Code spans (`streamlit run app.py`) are commands, quoted as they are; so are URLs, file and domain names,
# ids (group-20260520163350-ctpqc), model suffixes (-face) and extensions (.jpg).
CODE_NAMES = re.compile(r"`[^`]*`|(?<!\w)\.\w+|\w+://\S*|(?<![\w-])-[a-z]+\b|\b[a-z]+-\d[\w-]*|\b\w+(?:\.\w+)+\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|(?<![\w])/[\w/.-]+")
# Names that stay as they are in a Chinese sentence: the product and the API's own name, units, ids.
KEPT_LATIN = {"APIMart", "Avatar", "Desk", "ID", "MB", "Language", "Wi", "Fi", "https", "Linux", "macOS", "Windows", "HTTP", "http",
    "wav", "mp",  # file types (mp3)
    "Seedance",  # the model family's name
    "IPv", "user", "pass", "xn",  # IPv6, what a URL's parts look like (user:pass@, xn-- labels)
    "CSV", "JSON", "HEAD", "JPEG", "PNG", "WebP", "HEIC", "BMP", "TIFF", "GIF", "MP", "MOV", "px",  # formats, units
    "Auto", "Image", "Video",  # the Type column's values, shown as they are
    "image", "video", "audio",  # a prompt names its references "image 1", "video 1", "audio 1" in every language
}


def read(domain: str, locale: str):
    with po_path(locale, domain).open("rb") as po:
        return read_po(po, locale=locale, domain=domain)


def messages(domain: str, locale: str):
    return [m for m in read(domain, locale) if m.id]


def forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def test_every_catalog_file_exists_and_has_messages():
    assert sorted(p.relative_to(LOCALES_DIR).as_posix() for p in LOCALES_DIR.rglob("*.po")) == sorted(
        f"{locale}/LC_MESSAGES/{domain}.po" for domain, locale in CATALOG_FILES
    )
    for domain, locale in CATALOG_FILES:
        assert len(messages(domain, locale)) >= 20, (domain, locale)


@pytest.mark.parametrize(("domain", "locale"), CATALOG_FILES)
def test_every_msgid_has_a_translation_and_none_is_fuzzy(domain, locale):
    untranslated = [m.id for m in messages(domain, locale) if not all(s.strip() for s in forms(m))]
    fuzzy = [m.id for m in messages(domain, locale) if m.fuzzy]
    assert untranslated == [], f"{locale}/{domain}.po: fill these in (scripts/i18n.sh added them)"
    assert fuzzy == [], f"{locale}/{domain}.po: review these and remove their '#, fuzzy' flag"
    assert not read(domain, locale).fuzzy, "the catalog's header is still marked fuzzy"


@pytest.mark.parametrize(("domain", "locale"), CATALOG_FILES)
def test_each_catalog_holds_exactly_its_templates_msgids(domain, locale):
    with (LOCALES_DIR / f"{domain}.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    assert {m.id for m in messages(domain, locale)} == template, "run scripts/i18n.sh"


@pytest.mark.parametrize(("domain", "locale"), CATALOG_FILES)
def test_translations_keep_every_placeholder(domain, locale):
    for m in messages(domain, locale):
        wanted = set(PLACEHOLDER.findall(ids(m)[-1]))
        for form in forms(m):
            assert set(PLACEHOLDER.findall(form)) == wanted, (m.id, form)
            assert form.count("**") == ids(m)[0].count("**"), ("bold marks", m.id, form)


@pytest.mark.parametrize(("domain", "locale"), CATALOG_FILES)
def test_no_english_words_left_in_chinese_sentences(domain, locale):
    for m in messages(domain, locale):
        for form in forms(m):
            words = set(re.findall(r"[A-Za-z]{2,}", CODE_NAMES.sub("", PLACEHOLDER.sub("", form))))
            assert words <= KEPT_LATIN, (m.id, form, words - KEPT_LATIN)


@pytest.mark.parametrize(("domain", "locale"), CATALOG_FILES)
def test_the_plural_forms_are_chinese_ones(domain, locale):
    assert read(domain, locale).plural_forms == "nplurals=1; plural=0;"


def test_traditional_catalog_is_not_simplified():
    simplified = {m.id: m.string for m in messages(PHONE, "zh_CN")}
    traditional = {m.id: m.string for m in messages(PHONE, "zh_TW")}
    different = [i for i in simplified if simplified[i] != traditional[i]]
    assert len(different) >= len(simplified) * 0.8
    assert translator("zh_TW", PHONE)("Sent.") == "已傳送。"


# ---------------------------------------------------------------- lib/i18n


def test_translators_are_made_once_and_english_is_the_msgid():
    assert translator("zh_CN") is translator("zh_CN")
    assert catalog("zh_CN", DOMAIN) is catalog("zh_CN", DOMAIN)
    en = translator("en")
    assert en("Test connection") == "Test connection"
    assert en.ngettext("{n} clip", "{n} clips", 1) == "{n} clip"
    assert en.ngettext("{n} clip", "{n} clips", 2) == "{n} clips"


def test_chinese_translations_and_plurals_come_from_the_catalog():
    _ = translator("zh_CN")
    assert _("Test connection") == "测试连接"
    assert _.ngettext("{n} clip", "{n} clips", 1).format(n=1) == "1 段视频"
    assert _.ngettext("{n} clip", "{n} clips", 7).format(n=7) == "7 段视频"
    assert _("a string no catalog has") == "a string no catalog has", "falls back to the English msgid"
    assert _.pgettext("some context", "Test connection") == "Test connection", "a context is its own msgid"


def test_a_locale_without_a_catalog_reads_english():
    assert translator("fr")("Test connection") == "Test connection"
    assert translator("zh_TW")("Test connection") == "Test connection", "the dashboard has no zh_TW"


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh_Hans_SG", "zh_CN"),
        ("zh-Hant", "zh_TW"),
        ("zh-TW", "zh_TW"),
        ("zh-HK", "zh_TW"),
        ("zh-Hant-MO", "zh_TW"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr-FR", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_locale(tag, locale):
    assert phone_locale(tag) == locale


def test_accept_language_is_read_by_quality_then_order():
    assert accept_language("en-US,en;q=0.9,zh-CN;q=0.95") == ["en-US", "zh-CN", "en"]
    assert accept_language("zh-TW;q=0, fr , *;q=0.1") == ["fr"]
    assert accept_language("") == [] and accept_language(None) == []
    assert accept_language("de;q=bad,it") == ["it"]


# ---------------------------------------------------------------- formats

MOMENT = datetime(2026, 12, 1, 19, 20, 5, tzinfo=timezone.utc).timestamp()


def test_numbers_for_the_locale():
    assert f.number(12345.5, "en") == "12,345.5"
    assert f.number(12345.5, "zh_CN") == "12,345.5"
    assert f.percent(0.25, "zh_CN") == "25%"


def test_dates_in_the_readers_zone_and_language():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert f.date_time(MOMENT, "zh_CN", shanghai) == "2026年12月2日 03:20:05"
    assert f.short_date_time(MOMENT, "zh_CN", shanghai) == "12月2日 03:20"
    assert f.short_date_time(MOMENT, "en", ZoneInfo("Europe/London")) == "Dec 1 19:20"
    assert f.clock(MOMENT, "en", shanghai) == "03:20"
    assert f.date_time(None, "zh_CN") == "" and f.date_time(float("nan"), "en") == ""


def test_durations_and_relative_times():
    assert f.duration(125, "en") == "2 minutes"
    assert f.duration(125, "zh_CN") == "2分钟"
    assert f.relative(-90, "zh_CN") == "2分钟前"
    assert f.relative(3600, "zh_CN") == "1小时后"
    assert f.relative(-3600, "en") == "1 hour ago"
    assert f.relative(3600, "zh_TW") == "1 小時後"
    assert f.since(MOMENT - 300, "en", now=MOMENT) == "5 minutes ago"
    assert f.since(0, "en", now=MOMENT) == ""


def test_a_moment_for_sentences_shows_its_day_only_when_not_today():
    shanghai = ZoneInfo("Asia/Shanghai")
    assert f.moment(MOMENT, "zh_CN", shanghai, now=MOMENT) == "03:20"
    assert f.moment(MOMENT, "zh_CN", shanghai, seconds=True, now=MOMENT) == "03:20:05"
    assert f.moment(MOMENT, "zh_CN", shanghai, now=MOMENT + 3 * 86400) == "12月2日 03:20"
    assert f.moment(MOMENT, "en", timezone.utc, now=MOMENT + 3 * 86400) == "Dec 1 19:20"
    assert f.moment(None, "en") == ""


def test_said_is_its_english_text_and_says_itself_in_another_language():
    import copy
    import pickle

    from lib.i18n import Said, said_in, said_of
    from lib.netguard import host_problem

    problem = host_problem("192.168.1.5")
    assert problem == "192.168.1.5 is a private address" and isinstance(problem, Said)
    outer = Said("URL is not public: APIMart's servers cannot download from it ({problem})", problem=problem)
    assert said_in(translator("zh_CN"), outer) == "链接不是公网地址：APIMart 的服务器无法从这里下载（192.168.1.5 是内网地址）"
    assert said_in(translator("en"), outer) == outer
    for kept in (pickle.loads(pickle.dumps(outer)), copy.deepcopy(outer)):
        assert kept == outer and said_in(translator("zh_CN"), kept).startswith("链接不是公网地址")
    assert said_in(translator("zh_CN"), "not a Said") == "not a Said"
    counted = Said("{n} request may have been sent without an answer: nothing is sent again by itself.",
                   "{n} requests may have been sent without an answer: nothing is sent again by itself.", 3)
    assert counted.startswith("3 requests") and said_in(translator("zh_CN"), counted).startswith("3 个请求")
    try:
        raise ValueError(problem)
    except ValueError as error:
        assert said_of(error) is problem


def test_a_tables_time_as_the_locale_writes_it():
    assert f.table_time("2026-03-04 14:05", "zh_CN") == "2026年3月4日 14:05"
    assert f.table_time("2026-03-04 14:05", "en") == "2026-03-04 14:05", "English tables keep their ISO times"
    assert f.table_time("", "zh_CN") == "" and f.table_time("soon", "zh_CN") == "soon"


def test_the_apps_refusals_are_said_in_the_operators_language():
    from lib import flow
    from lib.assets import AssetRow, check_rows
    from lib.i18n import Said, SaidList, said_in, said_of
    from lib.ledger import AssetLedger

    checks = check_rows([AssetRow("ftp://cdn.example.com/a.mp4", "a"), AssetRow("https://cdn.example.com/b.mp4", "b")])
    with pytest.raises(flow.RefusedError) as refused:
        flow.submit_rows(None, AssetLedger("group-1", "Video"), checks)
    said = said_of(refused.value)
    assert said == "1 row has problems: fix or remove it first. Nothing was sent."
    assert said_in(translator("zh_CN"), said) == "1 行有问题：请先修正或删除。没有发送任何内容。"
    listed = SaidList(Said("{name} ({reason})", name="a", reason=SaidList(checks[0].problems, "; ")) for _ in range(2))
    fix = Said("Fix these replacement URLs first: {listed}. Nothing was sent.", listed=listed)
    assert fix == (
        "Fix these replacement URLs first: a (URL must start with http:// or https:// (found ftp)), "
        "a (URL must start with http:// or https:// (found ftp)). Nothing was sent."
    )
    assert said_in(translator("zh_CN"), fix) == (
        "请先修正这些替换链接：a（链接必须以 http:// 或 https:// 开头（当前为 ftp））、"
        "a（链接必须以 http:// 或 https:// 开头（当前为 ftp））。没有发送任何内容。"
    )


def test_verifys_refusal_is_said_in_chinese():
    import time

    from lib.i18n import said_in
    from lib.verification import VerificationAttempt

    attempt = VerificationAttempt(
        task_id="task-1", h5_link="https://h5.example.com/x", byted_token="t", callback_url="", created_at=time.time()
    )
    refusal = attempt.query_refusal()
    assert refusal.startswith("The person has not finished yet.")
    assert said_in(translator("zh_CN"), refusal).startswith("对方还没有完成。")
