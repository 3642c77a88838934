"""The council's logo: an inline picture for ``{{r council.logo }}`` in a template."""

from __future__ import annotations

import io
import re
import struct
import warnings

from markupsafe import Markup
from PIL import Image, UnidentifiedImageError

from ..base.errors import ProfileError
from ..base.untrusted import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE
from ..base.xmltext import xml_attr
from .package import add_relationships

IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
LOGO_RID = "rIdCGlogo"
EMU_PER_CM = 360000
LOGO_HEIGHT_CM = 1.6
#: The widest a logo is shown (the text width of an A4 page with 2.3 cm margins).
LOGO_MAX_WIDTH_CM = 16.0


def image_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height of a PNG or JPEG, after decoding it whole with Pillow.

    Raises :class:`ValueError` (saying what is wrong) for anything else, for an image
    whose header claims more than :data:`MAX_IMAGE_SIDE` pixels a side or
    :data:`MAX_IMAGE_PIXELS` in all (checked before any pixel is decoded), and for a
    damaged or truncated image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                width, height = image.size
                if width < 1 or height < 1 or max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                    raise ValueError(
                        f"it claims to be {width} x {height} pixels, more than a logo needs (at most "
                        f"{MAX_IMAGE_SIDE:,} pixels a side and {MAX_IMAGE_PIXELS:,} in all)"
                    )
                image.load()  # decodes every pixel: a truncated or damaged file fails here
    except UnidentifiedImageError as exc:
        raise ValueError("it is not a PNG or JPEG image") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValueError(
            f"it claims more pixels than a logo needs (at most {MAX_IMAGE_SIDE:,} pixels a side and "
            f"{MAX_IMAGE_PIXELS:,} in all)"
        ) from exc
    except (OSError, SyntaxError, struct.error) as exc:
        raise ValueError(f"the image is damaged or cut short ({exc})") from exc
    return width, height


def attach_logo(context: dict, profile) -> dict[str, bytes]:
    """Put the logo's run XML into ``context["council"]["logo"]`` (empty without a logo);
    return the media parts the document must carry."""
    if not profile.model.council.logo:
        context["council"]["logo"] = ""
        return {}
    context["council"]["logo"], media = logo_markup(profile)
    return media


def logo_markup(profile) -> tuple[Markup, dict[str, bytes]]:
    """The run XML for the logo and the media part it needs."""
    path = profile.logo_path
    try:
        too_large = path.stat().st_size > MAX_IMAGE_BYTES
        data = b"" if too_large else path.read_bytes()
    except OSError as exc:
        raise ProfileError(
            f"{path}: cannot read the logo",
            [profile.problem(("council", "logo"), f"cannot read the logo ({exc.strerror or exc}); check the path")],
        ) from exc
    if too_large:
        message = f"the logo is larger than {MAX_IMAGE_BYTES // 1_000_000} MB; export it again smaller (a logo needs a few hundred kilobytes)"
        raise ProfileError(f"{path}: {message}", [profile.problem(("council", "logo"), message)])
    try:
        width, height = image_size(data)
    except ValueError as exc:
        message = f"the logo cannot be used: {exc}; export the logo again as PNG"
        raise ProfileError(f"{path}: {message}", [profile.problem(("council", "logo"), message)]) from exc
    ext = "png" if data[:4] == b"\x89PNG" else "jpeg"
    cy = int(LOGO_HEIGHT_CM * EMU_PER_CM)
    cx = int(cy * width / height)
    if cx > LOGO_MAX_WIDTH_CM * EMU_PER_CM:  # a very wide logo fits the page width instead
        cx = int(LOGO_MAX_WIDTH_CM * EMU_PER_CM)
        cy = max(int(cx * height / width), 1)
    name = xml_attr(profile.model.council.name)
    xml = (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="9001" name="Council logo" descr="{name} logo"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name="logo.{ext}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:embed="{LOGO_RID}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    return Markup(xml), {f"word/media/cg-logo.{ext}": data}


_TEMPLATED_RELS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def add_image_parts(parts: dict[str, bytes], media: dict[str, bytes]) -> None:
    """Add the media part, its content type and a relationship from every part that may
    show the logo (body, headers, footers)."""
    for name, data in media.items():
        parts[name] = data
        ext = name.rsplit(".", 1)[1]
        ct = parts["[Content_Types].xml"].decode("utf-8")
        if f'Extension="{ext}"' not in ct:
            close = ct.index("<Override") if "<Override" in ct else ct.rindex("</Types>")
            ct = ct[:close] + f'<Default Extension="{ext}" ContentType="image/{ext}"/>' + ct[close:]
            parts["[Content_Types].xml"] = ct.encode("utf-8")
        target = "media/" + name.rsplit("/", 1)[1]
        for part in [p for p in parts if _TEMPLATED_RELS.match(p)]:
            if LOGO_RID.encode() not in parts[part]:
                continue
            rels_name = part.replace("word/", "word/_rels/") + ".rels"
            parts[rels_name] = add_relationships(parts.get(rels_name), [(LOGO_RID, IMAGE_REL, target, False)])
