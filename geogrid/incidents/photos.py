"""Photos of incidents (and care visits): the count limit, storage with a thumbnail, and the one way
photos leave the server. Each photo is checked and cleaned by geogrid.uploads (content, size, no
EXIF); `prepare_photos` does every check before anything is written, so a bad photo refuses the
whole report and leaves no incident behind."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from geogrid.uploads import prepare_photo

from .models import IncidentPhoto


def prepare_photos(uploads, already=0):
    """Check a list of uploads (count limit counts `already` stored photos)."""
    uploads = [u for u in (uploads or []) if u]
    limit = settings.GEOGRID_PHOTO_MAX_COUNT
    if already + len(uploads) > limit:
        raise ValidationError({"photos": [_("每个事件最多 %(n)s 张照片") % {"n": limit}]})
    return [prepare_photo(u) for u in uploads]


def save_photos(incident, prepared, user=None):
    """Store checked photos of an incident (inside the caller's transaction)."""
    out = []
    for p in prepared:
        photo = IncidentPhoto(incident=incident, content_type=p.content_type, size=len(p.content), sha256=p.sha256, uploaded_by=user)
        photo.image.save(p.name, ContentFile(p.content), save=False)
        photo.thumbnail.save(p.name.rsplit(".", 1)[0] + "_thumb.jpg", ContentFile(p.thumbnail), save=False)
        photo.width, photo.height = p.width, p.height
        photo.save()
        out.append(photo)
    return out


def photo_response(incident, photo_id, size):
    """The stored photo (size "full") or its thumbnail ("thumb") of a case the caller may already
    see; the one way photos leave the server (pages and API), so they follow the case's scope."""
    from django.http import FileResponse, Http404

    if size not in ("full", "thumb"):
        raise Http404(size)
    try:
        p = incident.photos.get(pk=photo_id)
    except (IncidentPhoto.DoesNotExist, ValueError):
        raise Http404(_("照片不存在"))
    field = p.thumbnail if size == "thumb" else p.image
    try:
        fh = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在"))
    resp = FileResponse(fh, content_type="image/jpeg" if size == "thumb" else p.content_type)
    resp["Cache-Control"] = "private, max-age=86400"
    return resp
