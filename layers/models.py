"""The one table of the layers app: a change counter per published layer.

Tiles (and anything else cached per layer) are keyed by the layer's version, so a change to its
features is seen by every server process at once: the counter lives in the database, bumped in the
same transaction as the change (layers/versions.py), so a rolled-back change bumps nothing.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class LayerVersion(models.Model):
    name = models.CharField(_("图层"), max_length=100, primary_key=True)
    version = models.BigIntegerField(_("版本"), default=0)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("图层版本")
        verbose_name_plural = _("图层版本")
        constraints = [models.CheckConstraint(condition=models.Q(version__gte=0), name="layerversion_version_nonnegative")]

    def __str__(self):
        return f"{self.name} v{self.version}"
