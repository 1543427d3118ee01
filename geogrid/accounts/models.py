from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person who signs in. `area` is the part of the org tree (district, street or community)
    the user works for; what they may see is scoped to it (and to their grids for grid members)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    area = models.ForeignKey(
        "grids.AdminArea", verbose_name=_("所属区域"), null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_codes(self):
        """The user's role codes, read once per request (accounts.scope keeps them)."""
        from .scope import scope_of

        return set(scope_of(self).roles)

    def has_role(self, *roles):
        from .scope import scope_of

        return scope_of(self).has_role(*roles)

    def role_labels(self):
        return [str(Role(c).label) for c in self.role_codes if c in Role.values]
