"""Photos of incidents: checked by content (Pillow), not by file name; size and count limits;
stored upright and without metadata (a phone's EXIF holds the reporter's GPS position and phone
model); a JPEG thumbnail. `prepare_photos` does every check before anything is written, so a bad
photo refuses the whole report and leaves no incident behind."""
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin, UnidentifiedImageError

from .models import IncidentPhoto

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


def _error(name, message):
    return ValidationError({"photos": [f"{name}：{message}"]})


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


def prepare_photo(upload):
    """Check one uploaded file (a Django UploadedFile or any object with read() and a name), make
    the copy to store (upright, without metadata, same format: clean_image) and its thumbnail.
    Raises ValidationError with a message for people."""
    name = getattr(upload, "name", None) or "photo"
    max_bytes = settings.GEOGRID_PHOTO_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _error(name, f"文件过大（{size / 1048576:.1f} MB），上限 {max_bytes / 1048576:.0f} MB")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _error(name, f"文件过大，上限 {max_bytes / 1048576:.0f} MB")
    if not data:
        raise _error(name, "文件为空")
    formats = settings.GEOGRID_PHOTO_FORMATS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()  # structure and checksums, without decoding
            if fmt not in formats:
                raise _error(name, f"不支持的图片格式 {fmt}，可用：{'、'.join(formats)}")
            if width * height > settings.GEOGRID_PHOTO_MAX_PIXELS:
                raise _error(name, f"图片像素过多（{width}×{height}）")
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
        raise _error(name, "不是有效的图片文件（按内容检查，仅支持 JPEG、PNG、WebP）")
    if len(content) > max_bytes:  # what is stored stays under the limit too
        raise _error(name, f"文件过大，上限 {max_bytes / 1048576:.0f} MB")
    # What is stored is the clean copy: its size, its checksum.
    return PreparedPhoto(
        name=f"{uuid.uuid4().hex}.{EXTENSIONS[fmt]}", content=content, content_type=formats[fmt], width=clean.width,
        height=clean.height, sha256=hashlib.sha256(content).hexdigest(), thumbnail=out.getvalue(),
    )


def prepare_photos(uploads, already=0):
    """Check a list of uploads (count limit counts `already` stored photos)."""
    uploads = [u for u in (uploads or []) if u]
    limit = settings.GEOGRID_PHOTO_MAX_COUNT
    if already + len(uploads) > limit:
        raise ValidationError({"photos": [f"每个事件最多 {limit} 张照片"]})
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
    from django.utils.translation import gettext as _

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
