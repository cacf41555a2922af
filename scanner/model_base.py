"""The pieces every record of the inventory is made of: the strict record base, the
bounds no real answer exceeds, and :class:`Evidence` — the API answer a fact rests on."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | bool | None


#: Bounds that no real answer exceeds: a number outside them is a damaged file.
Count = Annotated[int, Field(ge=0, le=10**9)]
Hours = Annotated[float, Field(gt=0, le=1000 * 365 * 24)]
GapHours = Annotated[float, Field(ge=0, le=1000 * 365 * 24)]
Days = Annotated[float, Field(ge=0, le=1000 * 365)]
WholeDays = Annotated[int, Field(ge=0, le=1000 * 365)]
#: Clock skew tolerated between a collector and the APIs it read.
CLOCK_SKEW = timedelta(days=1)


class Record(BaseModel):
    """A record of the inventory: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Evidence(Record):
    """The API answer a fact rests on: operation, region, the field values read, and the
    provider's request id where the SDK returned one (to find the call in its logs).

    An answer read in several pages, or fields read from several calls, carry every
    call's request id, in call order, joined with ", "."""

    operation: str
    region: str | None = None
    fields: dict[str, Scalar] = Field(default_factory=dict)
    request_id: str | None = None
