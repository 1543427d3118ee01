"""Uploaded images checked by content (Pillow, not the file name) and size before anything is
written: the one check of the apps that keep an upload as it came (boundary check photos, sign
inspection photos). Case and care photos go further (incidents.photos: re-encoded without EXIF)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


def check_image(upload, field):
    """The upload, rewound, or ValidationError({field: …}) when it is too big or not a JPEG/PNG/WEBP."""
    if upload.size > settings.GEOGRID_PHOTO_MAX_BYTES:
        raise ValidationError({field: [_("%(name)s：照片太大") % {"name": upload.name}]})
    try:
        upload.seek(0)
        img = Image.open(upload)
        img.verify()
        if img.format not in settings.GEOGRID_PHOTO_FORMATS:
            raise UnidentifiedImageError
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError({field: [_("%(name)s：不是 JPEG/PNG/WEBP 图片") % {"name": upload.name}]})
    upload.seek(0)
    return upload
