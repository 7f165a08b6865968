"""Sign-in before any operator page, when the app is reachable by others (lib.signin decides when and how):
Streamlit's st.login when `[auth]` is configured, else the team passphrase with the operator's name; or, when
sign-in is required and neither is set, only how to set one. Signed in: who, and "Sign out", in the sidebar.
The passphrase box is read once by its form's callback and emptied: it never stays a widget value."""

from __future__ import annotations

import html
import logging
import os
import secrets as token_source
import time
from typing import NoReturn

import streamlit as st

from lib import signin
from lib.i18n import N_
from lib.signin import OPERATOR_KEY, Operator
from lib.ui import language, state
from lib.ui.text import literal

log = logging.getLogger(__name__)

NAME_KEY = "sign_in__name"
PASSPHRASE_KEY = "sign_in__passphrase"
REFUSAL_KEY = "sign_in__refusal"  # (lib.signin's refusal, a msgid; the seconds to wait)
CLIENT_KEY = "avatar_desk__sign_in_client"  # this session's own id for the rate limit
# (client address, the headers sign-in goes by) of this session's connection, read on its first run.
CONNECTION_KEY = "avatar_desk__sign_in_connection"
TICKET_KEY = "avatar_desk__sign_in_ticket"  # (issued at, ticket) for "Remember me on this browser"


def _client_ip() -> str | None:
    try:
        ip = st.context.ip_address
    except Exception:  # no request behind this run (a bare script run)
        return None
    return ip if isinstance(ip, str) and ip else None  # AppTest's is a stand-in object, not an address


def _headers() -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in st.context.headers.items()}
    except Exception:
        return {}


def _cookies() -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in st.context.cookies.items()}
    except Exception:
        return {}


def _connection() -> tuple[str | None, dict[str, str]]:
    """Where this session's browser connected from: its address and the headers sign-in goes by (a proxy's,
    Host). They are its connection's opening request's, the same on every rerun, so they are read once per
    session (looking them up cost a tenth of a Library rerun); the server's settings are still read on each.
    A session taken up again by a new connection (same session id) keeps this, as it keeps its operator."""
    held = st.session_state.get(CONNECTION_KEY)
    if held is None:
        held = (_client_ip(), signin.headers_read(_headers()))
        st.session_state[CONNECTION_KEY] = held
    return held


def decision() -> signin.SignIn:
    client_ip, headers = _connection()
    return signin.decide(os.environ, state.read_secrets(), st.get_option("server.address"), client_ip, headers)


def _limit_keys() -> dict[str, str]:
    if CLIENT_KEY not in st.session_state:
        st.session_state[CLIENT_KEY] = token_source.token_hex(8)
    client = signin.client_address(*_connection())
    return signin.AttemptLimiter.keys(st.session_state[CLIENT_KEY], client)


def gate(addresses: list[str]) -> Operator | None:
    """The signed-in operator (None when sign-in is not required: the laptop default). When sign-in is
    required and this session has not signed in, draws the sign-in (or how to set one up) and stops the run:
    no page, no sidebar, no store read. `addresses`: the pages' url paths (the first the default), each of
    which shows the sign-in until then, so a page's address works once signed in."""
    how = decision()
    if not how.required:
        st.session_state.pop(OPERATOR_KEY, None)
        return None
    if how.method == signin.OIDC:
        operator = signin.oidc_operator(st.user.to_dict())
        if operator is not None:
            st.session_state[OPERATOR_KEY] = operator
            return operator
        st.session_state.pop(OPERATOR_KEY, None)
        _only(lambda: _oidc_form(how), N_("Sign in"), addresses)
    if how.method == signin.PASSPHRASE:
        operator = st.session_state.get(OPERATOR_KEY)
        if isinstance(operator, Operator) and operator.method == signin.PASSPHRASE:
            return operator
        # A new session (a reload, a new tab) of a browser that asked to be remembered.
        if (operator := signin.remembered_operator(_cookies(), how.passphrase)) is not None:
            st.session_state[OPERATOR_KEY] = operator
            return operator
        _only(lambda: _passphrase_form(how), N_("Sign in"), addresses)
    _only(lambda: _not_configured(how), N_("Sign-in is not set up"), addresses)


def _only(draw, title: str, addresses: list[str]) -> NoReturn:
    """`draw` at every page's address, with no menu (the pages are not even listed, also after signing out),
    then the run ends."""
    title = language.translator()(title)
    pages = [st.Page(draw, title=title, url_path=url, default=i == 0) for i, url in enumerate(addresses)]
    st.navigation(pages, position="hidden").run()
    st.stop()


def _heading(how: signin.SignIn) -> None:
    _ = language.translator()
    st.title(_("Sign in"))
    st.caption(_("Avatar Desk asks everyone to sign in here: {why}.").format(why=_(how.why)))


def _oidc_form(how: signin.SignIn) -> None:
    _heading(how)
    _ = language.translator()
    if how.provider:
        label = _("Sign in with {provider}").format(provider=how.provider.title())
    else:
        label = _("Sign in with your account")
    if st.button(label, key="sign_in__oidc", type="primary", icon=":material/login:"):
        try:
            st.login(how.provider) if how.provider else st.login()
        except Exception as error:  # Authlib missing, or [auth] incomplete: say so, without the settings
            log.warning("st.login failed: %s", type(error).__name__)
            st.error(
                _(
                    "Sign-in with your provider is not working on this server: its `[auth]` settings are "
                    "incomplete, or Authlib is not installed (`pip install 'streamlit[auth]'`). Ask whoever "
                    "runs it."
                ),
                icon=":material/error:",
            )


def _take_attempt() -> None:
    """The form's callback: read the name and passphrase once, empty the passphrase box, check it."""
    name = str(st.session_state.get(NAME_KEY) or "")
    given = str(st.session_state.get(PASSPHRASE_KEY) or "")
    st.session_state[PASSPHRASE_KEY] = ""
    how = decision()
    if how.method != signin.PASSPHRASE:
        return
    attempt = signin.try_passphrase(name, given, how.passphrase, _limit_keys())
    if attempt.operator is not None:
        st.session_state[OPERATOR_KEY] = attempt.operator
        st.session_state.pop(REFUSAL_KEY, None)
    else:
        st.session_state[REFUSAL_KEY] = (attempt.refusal, attempt.wait_seconds)


def _passphrase_form(how: signin.SignIn) -> None:
    _heading(how)
    _ = language.translator()
    with st.form("sign_in__form"):
        st.text_input(
            _("Your name, shown on what you do"),
            key=NAME_KEY,
            max_chars=signin.NAME_MAX,
            placeholder=_("Lin Wei"),
        )
        st.text_input(_("Team passphrase"), key=PASSPHRASE_KEY, type="password")
        st.form_submit_button(_("Sign in"), type="primary", icon=":material/login:", on_click=_take_attempt)
    if refusal := st.session_state.get(REFUSAL_KEY):
        st.error(_refusal_words(*refusal, _), icon=":material/block:")


def _refusal_words(refusal: str, wait_seconds: float, _) -> str:
    """lib.signin's refusal in the session's language; a wait with its minutes counted by the catalog."""
    if wait_seconds:
        minutes = max(1, round(wait_seconds / 60))
        return _.ngettext(
            "Too many wrong tries. Wait about {n} minute, then try again.",
            "Too many wrong tries. Wait about {n} minutes, then try again.",
            minutes,
        ).format(n=minutes)
    return _(refusal)


def _not_configured(how: signin.SignIn) -> None:
    _ = language.translator()
    st.title(_("Sign-in is not set up"))
    st.error(
        _(
            "This app is reachable by others ({why}), so its pages need sign-in, and none is set up. "
            "Nothing can be done here until it is."
        ).format(why=_(how.why)),
        icon=":material/lock:",
    )
    st.markdown(
        _(
            "Whoever runs the server sets one of these, then restarts it:\n"
            "- a team passphrase: `{env}=…` in the server's environment, or "
            '`{secret} = "…"` in `.streamlit/secrets.toml`;\n'
            "- sign-in with your company's accounts (OpenID Connect): an `[auth]` section in "
            "`.streamlit/secrets.toml` (see Streamlit's `st.login`).\n\n"
            "For use on this computer only, serve it on loopback instead: "
            "`streamlit run app.py --server.address 127.0.0.1`."
        ).format(env=signin.PASSPHRASE_ENV, secret=signin.PASSPHRASE_SECRET)
    )


def _sign_out(method: str) -> None:
    # Everything this session held was the operator's: their working copy, a typed key, the views.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if method == signin.OIDC:
        st.logout()


_BUTTON_STYLE = (
    "font:inherit;font-size:0.875rem;padding:0.25rem 0.75rem;border-radius:0.5rem;cursor:pointer;"
    "border:1px solid rgba(49,51,63,0.2);background:transparent;color:inherit"
)


def _post_button(path: str, label: str, ticket: str = "") -> None:
    """A button that posts to one of lib/signin_routes' routes (a page reload: a new session follows)."""
    hidden = f'<input type="hidden" name="ticket" value="{html.escape(ticket)}">' if ticket else ""
    st.html(
        f'<form method="post" action="{html.escape(path)}" style="margin:0">{hidden}'
        f'<button type="submit" style="{_BUTTON_STYLE}">{html.escape(label)}</button></form>'
    )


def signed_in(operator: Operator | None) -> None:
    """In the sidebar: who is signed in, "Remember me on this browser" (passphrase), and "Sign out"
    (nothing when nobody signs in)."""
    if operator is None:
        return
    _ = language.translator()
    with st.sidebar:
        if operator.email and operator.email != operator.name:
            st.caption(
                _("Signed in as **{name}** ({email})").format(
                    name=literal(operator.name), email=literal(operator.email)
                )
            )
        else:
            st.caption(_("Signed in as **{name}**").format(name=literal(operator.name)))
        if operator.remembered:
            # The cookie is HttpOnly: only the server's route can clear it.
            _post_button(signin.FORGET_PATH, _("Sign out"))
            return
        st.button(
            _("Sign out"),
            key="sign_in__sign_out",
            on_click=_sign_out,
            args=(operator.method,),
            icon=":material/logout:",
        )
        # The settings are read again only for a passphrase operator (gate read them already this run).
        if operator.method == signin.PASSPHRASE and (how := decision()).method == signin.PASSPHRASE:
            _post_button(
                signin.REMEMBER_PATH, _("Remember me on this browser (30 days)"), _ticket(operator, how)
            )


def _ticket(operator: Operator, how: signin.SignIn) -> str:
    """This session's ticket for "Remember me", made again when half its life is gone (not on every rerun:
    the button's HTML stays the same)."""
    held = st.session_state.get(TICKET_KEY)
    now = time.time()
    if held is None or now - held[0] > signin.TICKET_SECONDS / 2:
        key = signin.signing_key(how.passphrase)
        held = (now, signin.issue(operator.name, key, signin.TICKET, signin.TICKET_SECONDS, now))
        st.session_state[TICKET_KEY] = held
    return held[1]
