"""Reading request bodies for the workbench and the API: bounded before they are read whole."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import HTTPException, Request

FORM = "application/x-www-form-urlencoded"


async def small_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (a declared length before any
    byte is read, a streamed one as soon as it passes the limit)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is {declared} bytes; at most {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the body is larger than {limit} bytes")
    return bytes(body)


async def small_form(request: Request, limit: int, what: str) -> dict[str, str]:
    """The url-encoded form of a post (`what` names it in the 415 when it is not one), at most
    `limit` bytes; each field's last value."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM:
        raise HTTPException(415, f"post {what} ({FORM})")
    body = await small_body(request, limit)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise HTTPException(400, "the form is not UTF-8") from None
    return {key: values[-1] for key, values in fields.items()}
