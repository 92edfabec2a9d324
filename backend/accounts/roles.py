"""Roles are Django groups; these names are the whole vocabulary."""

from django.contrib.auth.models import AnonymousUser, Group, User

CLINICIAN = "clinician"
LABELLER = "labeller"
REVIEWER = "reviewer"
ML_LEAD = "ml_lead"
RESEARCHER = "researcher"
ADMIN = "admin"
ALL_ROLES = (CLINICIAN, LABELLER, REVIEWER, ML_LEAD, RESEARCHER, ADMIN)

ROLE_LABELS = {
    CLINICIAN: "Clinician",
    LABELLER: "Labeller",
    REVIEWER: "Reviewer",
    ML_LEAD: "ML lead",
    RESEARCHER: "Researcher",
    ADMIN: "Administrator",
}


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_muscleseed_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {ADMIN}
        user._muscleseed_roles = cached
    return cached


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def ensure_role_groups() -> None:
    for role in ALL_ROLES:
        Group.objects.get_or_create(name=role)


def user_set_role(*, user: User, role: str) -> None:
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ALL_ROLES)}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    user.is_staff = user.is_staff or role == ADMIN
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_muscleseed_roles", None)
