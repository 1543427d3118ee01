"""Uploaded photos, one pipeline for every app (case, care visit, boundary check and sign inspection
photos): checked by content (Pillow), not by file name; size and pixel limits; stored upright and
without metadata (a phone's EXIF holds the GPS position, the phone model and the time); a JPEG
thumbnail. Every check runs before anything is written, so a bad photo refuses the whole request."""
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass
class PreparedPhoto:
    name: str
    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes


def _error(field, name, message):
    return ValidationError({field: [f"{name}：{message}"]})


def _to_srgb(img, icc):
    """img in sRGB, converted from the colour profile it carried (so dropping the profile keeps its
    colours); unchanged when the profile cannot be read or the mode has no conversion."""
    if img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        return ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                                         outputMode="RGBA" if img.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img


def clean_image(img):
    """The pixels of img turned upright (the EXIF orientation applied), in sRGB, and nothing else:
    no EXIF (GPS position, phone model, time), XMP, colour profile or comment; only the transparency
    of a PNG is kept."""
    upright = ImageOps.exif_transpose(img)  # a copy; it carries img.info along
    icc = img.info.get("icc_profile")
    if icc:
        upright = _to_srgb(upright, icc)
    upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
    return upright


def encode(clean, fmt, original):
    """clean (see clean_image) in the format of the upload. A JPEG keeps the original's quantisation
    tables and chroma subsampling, so it keeps its quality and about its size."""
    out = io.BytesIO()
    if fmt == "JPEG":
        params = {"optimize": True}
        if clean.mode == original.mode and original.quantization:
            params["qtables"] = original.quantization
            sampling = JpegImagePlugin.get_sampling(original)
            if sampling != -1:
                params["subsampling"] = sampling
        else:
            params["quality"] = 90
        clean.save(out, "JPEG", **params)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=90)
    else:
        clean.save(out, fmt)
    return out.getvalue()


def prepare_photo(upload, field="photos"):
    """Check one uploaded file (a Django UploadedFile or any object with read() and a name), make
    the copy to store (upright, without metadata, same format: clean_image) and its thumbnail.
    Raises ValidationError({field: …}) with a message for people."""
    name = getattr(upload, "name", None) or "photo"
    max_bytes = settings.GEOGRID_PHOTO_MAX_BYTES
    limit_mb = f"{max_bytes / 1048576:.0f}"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _error(field, name, _("文件过大（%(size)s MB），上限 %(limit)s MB") % {"size": f"{size / 1048576:.1f}", "limit": limit_mb})
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _error(field, name, _("文件过大，上限 %(limit)s MB") % {"limit": limit_mb})
    if not data:
        raise _error(field, name, _("文件为空"))
    formats = settings.GEOGRID_PHOTO_FORMATS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()  # structure and checksums, without decoding
            if fmt not in formats:
                raise _error(field, name, _("不支持的图片格式 %(fmt)s，可用：%(formats)s") % {"fmt": fmt, "formats": "、".join(formats)})
            if width * height > settings.GEOGRID_PHOTO_MAX_PIXELS:
                raise _error(field, name, _("图片像素过多（%(w)s×%(h)s）") % {"w": width, "h": height})
            with Image.open(io.BytesIO(data)) as img:
                img.load()  # a truncated file fails here
                clean = clean_image(img)
                content = encode(clean, fmt, img)
            thumb = clean.convert("RGB")
            px = settings.GEOGRID_THUMBNAIL_PX
            thumb.thumbnail((px, px))
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _error(field, name, _("不是有效的图片文件（按内容检查，仅支持 JPEG、PNG、WebP）"))
    if len(content) > max_bytes:  # what is stored stays under the limit too
        raise _error(field, name, _("文件过大，上限 %(limit)s MB") % {"limit": limit_mb})
    # What is stored is the clean copy: its size, its checksum.
    return PreparedPhoto(
        name=f"{uuid.uuid4().hex}.{EXTENSIONS[fmt]}", content=content, content_type=formats[fmt], width=clean.width,
        height=clean.height, sha256=hashlib.sha256(content).hexdigest(), thumbnail=out.getvalue(),
    )


def check_image(upload, field):
    """The clean copy of one upload (see prepare_photo) as a file to save in an ImageField or
    FileField; ValidationError({field: …}) when it is too big or not a JPEG/PNG/WEBP image."""
    prepared = prepare_photo(upload, field)
    return ContentFile(prepared.content, name=prepared.name)
