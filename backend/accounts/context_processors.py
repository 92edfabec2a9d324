from .roles import ROLE_LABELS, user_roles


def roles(request):
    held = user_roles(request.user)
    return {"user_roles": held, "user_role_labels": [ROLE_LABELS[r] for r in sorted(held) if r in ROLE_LABELS]}
