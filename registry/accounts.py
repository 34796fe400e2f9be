"""Accounts in bulk: a spreadsheet of accounts (name, login, role, node code, phone, 停用) and
``account_create`` for one account (the ``create_account`` command, the import).

Who may create accounts (and deactivate them): a superuser anywhere; the city bureau for every
node of the city (city, district, street and community accounts); a district officer for the
streets and communities of their district (not another district officer). Everyone else: no
one. Organisation leaders and platform operators are bound to an organisation or a platform,
not a node: they are made on the organisation's or the platform's page, not from a file.

No password is ever in a file: each new account gets an unusable password and a one-time
set-password link (Django's ``PasswordResetTokenGenerator`` and its reset-confirm view; the link
stops working once the password is set, or after ``PASSWORD_RESET_TIMEOUT``). The import shows
the links once, on its result page and in an .xlsx downloaded once.

Like the ledger import: every problem of every row at once ("row N, column X"), nothing
written on any problem (one transaction), a dry run that writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import (
    BOOLEAN,
    CHOICE,
    CODE,
    PHONE,
    TEXT,
    CellValueError,
    Column,
    RowError,
    SpreadsheetError,
    match_header,
    open_spreadsheet,
)
from core.history import stamp
from core.masking import mask_phone
from core.scoping import VIEW
from core.validators import clean_phone
from registry.choices import ROLE_LEVELS, DivisionLevel, Role
from registry.models import Division, User

#: roles an account file (or ``create_account``) may give: those bound to a node
NODE_ROLES = tuple(ROLE_LEVELS)

ACCOUNT_COLUMNS = (
    Column("name", "姓名", "Name", TEXT, required=True, aliases=("名字",), width=12),
    Column(
        "username",
        "登录名",
        "Login",
        TEXT,
        required=True,
        aliases=("账号", "用户名", "username"),
        width=16,
    ),
    Column(
        "role",
        "角色",
        "Role",
        CHOICE,
        choices=Role,
        choice_aliases=(
            ("社区工作人员", Role.COMMUNITY_STAFF),
            ("街道", Role.STREET_OFFICER),
            ("区", Role.DISTRICT_OFFICER),
            ("市", Role.CITY_OFFICER),
        ),
        width=14,
    ),
    Column(
        "node",
        "单位代码",
        "Node code",
        CODE,
        aliases=("区划代码", "节点代码", "社区代码", "街道代码"),
        width=14,
        as_text=True,
    ),
    Column("phone", "手机", "Phone", PHONE, aliases=("电话", "手机号码"), width=14, as_text=True),
    Column("email", "邮箱", "E-mail", TEXT, aliases=("电子邮箱",), width=20),
    Column("deactivate", "停用", "Deactivate", BOOLEAN, aliases=("是否停用",), width=8),
)
COLUMNS = {column.key: column for column in ACCOUNT_COLUMNS}


@dataclass
class AccountLink:
    """A new account and its one-time set-password link (shown once)."""

    username: str
    name: str
    role: str
    node: str
    phone: str  # masked
    url: str


@dataclass
class AccountImportResult:
    filename: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    deactivated: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    links: list[AccountLink] = field(default_factory=list)
    #: (row, action, login): what was done or, on a dry run or a refused file, would be
    planned: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- who may ------------------------------------------------------------------------------


def account_import_refusal(user: User) -> str | None:
    """Why ``user`` may not create accounts at all, or None."""
    if user.is_superuser or user.role in (Role.CITY_OFFICER, Role.DISTRICT_OFFICER):
        if user.is_superuser or user.division_id:
            return None
    return _("Only the city bureau and district officers create accounts.")


def node_refusal(user: User, role: str, division: Division) -> str | None:
    """Why ``user`` may not make a ``role`` account at ``division``, or None."""
    if user.is_superuser:
        return None
    if account_import_refusal(user):
        return account_import_refusal(user)
    if not Division.objects.restrict(user, VIEW).filter(pk=division.pk).exists():
        return _("%(node)s is outside your jurisdiction") % {"node": division.code}
    if user.role == Role.DISTRICT_OFFICER and DivisionLevel.rank(
        ROLE_LEVELS[role]
    ) <= DivisionLevel.rank(DivisionLevel.DISTRICT):
        return _("a district officer creates street and community accounts only")
    return None


# --- one account ------------------------------------------------------------------------


def set_password_link(user: User, base_url: str = "") -> str:
    """A one-time link at which ``user`` sets their password (Django's reset-confirm view)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def _role_error(role: str, division: Division | None) -> str | None:
    if role not in NODE_ROLES:
        return _(
            "choose community staff, street officer, district officer or city officer "
            "(organisation leaders and platform operators are made on their organisation's "
            "or platform's page)"
        )
    if division is not None and division.level != ROLE_LEVELS[role]:
        return _("a %(role)s is bound to a %(level)s, but %(node)s is a %(actual)s") % {
            "role": Role(role).label,
            "level": DivisionLevel(ROLE_LEVELS[role]).label,
            "node": division.code,
            "actual": division.get_level_display(),
        }
    return None


@transaction.atomic
def account_create(
    *,
    acting_user: User | None,
    username: str,
    name: str,
    role: str,
    node: str,
    phone: str = "",
    email: str = "",
    reason: str = "",
) -> User:
    """Create one account bound to a node, with an unusable password (send it the link from
    ``set_password_link``). ``acting_user`` None: the command line, as the system."""
    errors: dict[str, list[str]] = {}
    division = Division.objects.filter(code=node).first()
    if division is None:
        errors["division"] = [_("there is no division with the code %(code)s") % {"code": node}]
    problem = _role_error(role, division)
    if problem:
        errors["role"] = [problem]
    if division is not None and acting_user is not None and not problem:
        refusal = node_refusal(acting_user, role, division)
        if refusal:
            errors["division"] = [refusal]
    if not username:
        errors["username"] = [_("give a login")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("the login %(login)s is already taken") % {"login": username}]
    if phone:
        try:
            phone = clean_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        first_name=name,
        role=role,
        division=division,
        phone=phone,
        email=email,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    stamp(user, acting_user=acting_user, reason=reason or _("Account created"))
    user.save()
    return user


# --- a file of accounts ---------------------------------------------------------------------


def account_import(
    *,
    source,
    filename: str = "",
    acting_user: User,
    dry_run: bool = False,
    base_url: str = "",
) -> AccountImportResult:
    """Create (and, with 停用 = 是, deactivate) the accounts of a spreadsheet as
    ``acting_user``. Never raises for a bad file: the result lists every problem."""
    result = AccountImportResult(filename=filename, dry_run=dry_run)
    refusal = account_import_refusal(acting_user)
    if refusal:
        result.errors.append(RowError(0, "", refusal))
        return result
    try:
        spreadsheet = open_spreadsheet(source, filename)
        sheet = spreadsheet.sheet_names[0]
        rows = [(n, cells) for n, cells in spreadsheet.rows(sheet) if _nonblank(cells)]
    except (SpreadsheetError, IndexError) as error:
        message = getattr(error, "message", _("The workbook has no worksheet with data."))
        result.errors.append(RowError(0, "", message))
        return result
    if not rows:
        result.errors.append(RowError(0, "", _("The sheet has no rows.")))
        return result
    number, cells = rows[0]
    header, problems = match_header(number, cells, ACCOUNT_COLUMNS)
    result.errors.extend(problems)
    if problems:
        return result

    def error(row: int, key: str, message) -> None:
        result.errors.append(
            RowError(row, header.label(key, COLUMNS), str(message), header.index.get(key))
        )

    parsed: list[tuple[int, dict]] = []
    for number, cells in rows[1:]:
        values = {}
        for key, index in header.index.items():
            raw = cells[index] if index < len(cells) else None
            try:
                values[key] = COLUMNS[key].parse(raw)
            except CellValueError as problem:
                error(number, key, problem.message)
        parsed.append((number, values))
    result.rows = len(parsed)

    logins = {v.get("username", "").lower() for _n, v in parsed if v.get("username")}
    stored = {
        u.username.lower(): u
        for u in User.objects.annotate(login=Lower("username"))
        .filter(login__in=logins)
        .select_related("division")
    }
    codes = {v.get("node") for _n, v in parsed if v.get("node")}
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    seen: dict[str, int] = {}
    creates: list[tuple[int, dict, Division]] = []
    deactivations: list[tuple[int, User]] = []
    for number, values in parsed:
        login = values.get("username") or ""
        if login.lower() in seen:
            error(
                number,
                "username",
                _("the login %(login)s is also on row %(row)s")
                % {"login": login, "row": seen[login.lower()]},
            )
            continue
        if login:
            seen[login.lower()] = number
        existing = stored.get(login.lower())
        if values.get("deactivate"):
            if existing is None:
                error(number, "username", _("there is no account %(login)s") % {"login": login})
            elif not _may_manage(acting_user, existing):
                error(
                    number,
                    "username",
                    _("%(login)s is outside your jurisdiction") % {"login": login},
                )
            else:
                deactivations.append((number, existing))
            continue
        if existing is not None:
            error(number, "username", _("the login %(login)s is already taken") % {"login": login})
        role, code = values.get("role") or "", values.get("node") or ""
        if not role:
            error(number, "role", _("this cell must be filled in"))
        if not code:
            error(number, "node", _("this cell must be filled in"))
        division = divisions.get(code)
        if code and division is None:
            error(number, "node", _("there is no division with the code %(code)s") % {"code": code})
        if role:
            problem = _role_error(role, division)
            if problem:
                error(number, "role", problem)
            elif division is not None:
                refusal = node_refusal(acting_user, role, division)
                if refusal:
                    error(number, "node", refusal)
        if values.get("phone"):
            try:
                values["phone"] = clean_phone(values["phone"])
            except ValidationError as problem:
                error(number, "phone", problem.messages[0])
        if existing is None and role and division is not None:
            creates.append((number, values, division))
    result.errors.sort(key=lambda e: (e.row, e.column_index or 0))
    result.planned = [(n, "create", v["username"]) for n, v, _d in creates] + [
        (n, "deactivate", u.username) for n, u in deactivations
    ]
    result.created, result.deactivated = len(creates), len(deactivations)
    if result.errors or dry_run:
        if result.errors:
            result.created = result.deactivated = 0
        return result
    reason = _("Imported from %(file)s") % {"file": filename or "Excel"}
    with transaction.atomic():
        for _number, values, division in creates:
            user = account_create(
                acting_user=acting_user,
                username=values["username"],
                name=values.get("name", ""),
                role=values["role"],
                node=division.code,
                phone=values.get("phone", ""),
                email=values.get("email", ""),
                reason=reason,
            )
            result.links.append(
                AccountLink(
                    username=user.username,
                    name=user.first_name,
                    role=user.get_role_display(),
                    node=f"{division.code} {division.name}",
                    phone=mask_phone(user.phone) if user.phone else "",
                    url=set_password_link(user, base_url),
                )
            )
        for _number, user in deactivations:
            account_deactivate(user=user, acting_user=acting_user, reason=reason)
        result.written = True
    return result


@transaction.atomic
def account_deactivate(*, user: User, acting_user: User | None, reason: str) -> User:
    """Switch an account off (it can no longer log in; its history stays)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if acting_user is not None and not _may_manage(acting_user, user):
        raise ValidationError(
            {"username": [_("%(login)s is outside your jurisdiction") % {"login": user.username}]}
        )
    if not user.is_active:
        return user
    user.is_active = False
    stamp(user, acting_user=acting_user, reason=reason)
    user.save(update_fields=["is_active"])
    return user


def _may_manage(acting_user: User, user: User) -> bool:
    if acting_user.is_superuser:
        return True
    if user.is_superuser or user.division is None or user.role not in NODE_ROLES:
        return False
    return node_refusal(acting_user, user.role, user.division) is None


def _nonblank(cells) -> bool:
    return any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)


ACCOUNT_LINKS_SHEET = gettext_lazy("Set-password links")
