"""DRF permissions by role."""

from rest_framework.permissions import BasePermission

from .roles import has_role


def roles_required(*roles: str) -> type[BasePermission]:
    """A permission class that lets in authenticated users holding any of `roles`."""

    class HasRole(BasePermission):
        message = f"This needs one of the roles: {', '.join(roles)}."

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated and has_role(request.user, *roles))

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole
