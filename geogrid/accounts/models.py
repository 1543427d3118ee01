from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Department(models.Model):
    """区职能部门: a functional department of the district (城管, 住建, 市场监管, 公安派出所, 民政,
    应急管理…), data edited in the admin. Cases escalated to the district or handled as 帮助办 are
    passed to one (incidents: to_department); its handling users (User.department, with the role
    部门工作人员) see and handle those cases (accounts.scope). A department that stops taking cases
    is made inactive, not deleted: its cases and users keep it."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用后不能再向该部门转交案卷，已转交的案卷不受影响"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in. `area` is the part of the org tree (district, street or community)
    the user works for; what they may see is scoped to it (and to their grids for grid members).
    `department` is the functional department a department user (部门工作人员) handles cases for:
    one unit per person, read with the user row like the area (a foreign key, not a many-to-many)."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    area = models.ForeignKey(
        "grids.AdminArea", verbose_name=_("所属区域"), null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    department = models.ForeignKey(Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="users", help_text=_("职能部门的工作人员：承办转交给该部门的案卷"))

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
