"""The validated model of a chain library: chains, companies, institutions, region profiles.

Models forbid unknown fields (so a typo is caught) and accept the friendly YAML forms described in
docs/format.md (a bare id for a reference, amounts written as ``1.2亿元``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .money import Amount, parse_amount, uscc_problem

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

STOCK_CODE = re.compile(r"^(?:\d{6}\.(?:SH|SZ|BJ)|\d{4,5}\.HK|[A-Z][A-Z.\-]{0,9}\.(?:US|N|O))$")
EXCHANGES = {
    "SH": "上海证券交易所",
    "SZ": "深圳证券交易所",
    "BJ": "北京证券交易所",
    "HK": "香港联合交易所",
    "US": "美国",
    "N": "纽约证券交易所",
    "O": "纳斯达克",
}


class Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def _as_ref(value: Any) -> Any:
    """A bare id string in a list of entries means a reference to an entry defined elsewhere."""
    return {"ref": value} if isinstance(value, str) else value


class _Entry(Base):
    """A node defined here (``id`` + ``name`` ...) or a reference to one defined elsewhere (``ref``)."""

    ref: Id | None = None
    id: Id | None = None
    name: Name | None = None
    name_en: Text | None = None
    aliases: list[Name] = Field(default_factory=list)
    keywords: list[Name] = Field(default_factory=list)
    note: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_ref(cls, value: Any) -> Any:
        return _as_ref(value)

    @model_validator(mode="after")
    def _ref_or_def(self) -> _Entry:
        if self.ref and self.id:
            raise ValueError("give either `ref` (use a node defined elsewhere) or `id` (define one here), not both")
        if not self.ref and not self.id:
            raise ValueError("an entry needs `id` and `name` (define it here) or `ref` (use one defined elsewhere)")
        if self.id and not self.name:
            raise ValueError(f"'{self.id}' needs a `name` (its Chinese name)")
        if self.ref:
            extra = [f for f in self._definition_fields() if getattr(self, f)]
            if extra:
                raise ValueError(
                    f"a reference (`ref: {self.ref}`) cannot set {', '.join(extra)}: "
                    "change them where the node is defined"
                )
        return self

    def _definition_fields(self) -> list[str]:
        return ["name", "name_en", "aliases", "keywords", "note"]

    @property
    def node_id(self) -> str:
        return self.id or self.ref or ""


class TechnologyEntry(_Entry):
    pass


class ComponentEntry(_Entry):
    type: Literal["material", "component", "equipment"] | None = None

    def _definition_fields(self) -> list[str]:
        return super()._definition_fields() + ["type"]


class LinkEntry(_Entry):
    key: bool = False
    # resource (原油, 粮食, 矿产: 资源保障) and service (物流, 公用工程) links show their status but are
    # never recruitment gaps and never make a firm a target.
    role: Literal["resource", "service"] | None = None
    feeds: list[Id] = Field(default_factory=list)
    technologies: list[TechnologyEntry] = Field(default_factory=list)
    components: list[ComponentEntry] = Field(default_factory=list)

    def _definition_fields(self) -> list[str]:
        return super()._definition_fields() + ["key", "role", "technologies", "components"]


class Segment(Base):
    id: Id
    name: Name
    name_en: Text | None = None
    note: Text | None = None
    links: list[LinkEntry] = Field(min_length=1)


class Chain(Base):
    id: Id
    name: Name
    name_en: Text | None = None
    description: Text | None = None
    note: Text | None = None
    segments: list[Segment] = Field(min_length=1)


class ChainHead(Chain):
    """A chain's own fields; its segments are validated one by one (so one bad link spoils nothing else)."""

    segments: list[Any] = Field(min_length=1)


class SegmentHead(Segment):
    links: list[Any] = Field(min_length=1)


def _sources(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    return value


class SupplyTie(Base):
    to: Id
    product: Text | None = None
    source: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: Any) -> Any:
        return {"to": value} if isinstance(value, str) else value


_EARLIEST_TODAY = dt.date.today()  # no date up to this one can be in the future
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")
_YEAR = re.compile(r"\d{4}")


class _Sourced(Base):
    source: list[Name] = Field(min_length=1)
    as_of: dt.date

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _sources(value)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            text = value.strip()
            if _YEAR_MONTH.fullmatch(text):
                return text + "-01"
            if _YEAR.fullmatch(text):
                return text + "-12-31"
        return value

    @field_validator("as_of")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > _EARLIEST_TODAY and value > dt.date.today():  # today only moves forward: skip the clock
            raise ValueError(f"as_of {value} is in the future: give the date the source states its facts for")
        return value


class Capacity(_Sourced):
    """A firm's capacity at one of its links (or components), with its source: e.g. PTA 390 万吨/年."""

    link: Id
    value: float = Field(gt=0)
    unit: Name
    note: Text | None = None


COMPANY_STATUSES = ("存续", "在业", "迁入", "迁出", "停业", "注销", "吊销", "破产", "清算", "破产清算")


class Company(_Sourced):
    id: Id
    name: Name
    short_name: Text | None = None
    name_en: Text | None = None
    aliases: list[Name] = Field(default_factory=list)
    credit_code: Text | None = None
    # province/city/district/address: the operating headquarters (where decisions are made; used by
    # routes, trips and maps). registered_*: the registered seat (注册地), only when it differs.
    province: Text | None = None
    city: Text | None = None
    district: Text | None = None
    address: Text | None = None
    registered_province: Text | None = None
    registered_city: Text | None = None
    registered_district: Text | None = None
    # 登记状态: 存续 (default) / 在业 / 迁入 / 迁出 / 停业 / 注销 / 吊销 / 破产 / 清算; only 存续, 在业, 迁入 and 迁出
    # (a living firm whose registration moved) may be targets.
    status: Literal[COMPANY_STATUSES] = "存续"  # type: ignore[valid-type]
    delisted: dt.date | None = None  # date its shares stopped trading (退市), when it was once listed
    stock_code: Text | None = None
    parent: Id | None = None
    tags: list[Name] = Field(default_factory=list)
    revenue: Amount | None = None
    revenue_year: int | None = Field(default=None, ge=1949, le=2100)
    registered_capital: Amount | None = None
    employees: int | None = Field(default=None, ge=0)
    founded: dt.date | None = None
    operates: list[Id] = Field(default_factory=list)
    makes: list[Id] = Field(default_factory=list)
    holds: list[Id] = Field(default_factory=list)
    supplies: list[SupplyTie] = Field(default_factory=list)
    # capacity at a link it operates or a component it makes (万吨/年, GW ...); a large local plant
    # can make a link strong (thresholds.strong_capacity)
    capacities: list[Capacity] = Field(default_factory=list)
    website: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _capacity_at_own_node(self) -> Company:
        if not self.capacities:
            return self
        own = set(self.operates) | set(self.makes)
        wrong = [c.link for c in self.capacities if c.link not in own]
        if wrong:
            raise ValueError(
                f"capacities name {', '.join(wrong)}, which the firm does not operate or make: "
                "add them to `operates` / `makes` or fix the link id"
            )
        return self

    @field_validator("revenue", "registered_capital", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Any:
        if isinstance(value, Amount):
            return value
        return parse_amount(value)

    @field_validator("stock_code")
    @classmethod
    def _stock(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        v = value.upper()
        if not STOCK_CODE.match(v):
            raise ValueError(
                f"stock code {value!r} is not of the form 600346.SH, 000703.SZ, 430047.BJ, 2313.HK or TICKER.US"
            )
        return v

    @field_validator("credit_code")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        why = uscc_problem(value)
        if why:
            raise ValueError(f"credit_code {value!r}: {why}")
        return value.upper()

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def exchange(self) -> str | None:
        return EXCHANGES.get(self.stock_code.rsplit(".", 1)[1]) if self.stock_code else None


class Institution(Base):
    id: Id
    name: Name
    name_en: Text | None = None
    type: Text | None = None
    province: Text | None = None
    city: Text | None = None
    researches: list[Id] = Field(default_factory=list)
    holds: list[Id] = Field(default_factory=list)
    website: Text | None = None
    note: Text | None = None
    source: list[Name] = Field(default_factory=list)
    as_of: dt.date | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _sources(value)


class CompanyFile(Base):
    companies: list[Any] = Field(default_factory=list)


class InstitutionFile(Base):
    institutions: list[Any] = Field(default_factory=list)


class PriorityRegion(Base):
    name: Name
    provinces: list[Name] = Field(default_factory=list)
    cities: list[Name] = Field(default_factory=list)
    weight: float = Field(default=1.0, ge=0, le=1)
    note: Text | None = None


class Thresholds(Base):
    strong_min_firms: int = Field(default=2, ge=1)
    # 补链 needs a present link within this many feeds steps upstream and downstream in the same chain
    fill_reach: int = Field(default=2, ge=1)
    leader_tags: list[Name] = ["链主", "龙头", "单项冠军"]
    candidate_min_score: float = Field(default=0, ge=0)
    # a link is strong when its local firms' capacity in a unit reaches this figure (one large plant
    # is enough); units not listed never decide strength
    strong_capacity: dict[Name, float] = {"万吨/年": 100.0, "GW": 10.0, "GWh": 10.0}
    # data older than this many years is flagged `stale` in the target list
    stale_years: int = Field(default=2, ge=1)


class Weights(Base):
    gap_priority: float = Field(default=30, ge=0)
    coverage: float = Field(default=15, ge=0)
    scale: float = Field(default=15, ge=0)
    leadership: float = Field(default=10, ge=0)
    priority_region: float = Field(default=10, ge=0)
    ties: float = Field(default=15, ge=0)
    technology: float = Field(default=5, ge=0)


class GapWeights(Base):
    """Points of the gap priority (0-100): one named criterion each, changed in the region profile."""

    fill: float = Field(default=50, ge=0)  # 补链: the local chain is broken here
    extend: float = Field(default=35, ge=0)  # 延链: next to what the region has
    strengthen: float = Field(default=25, ge=0)  # 强链: present but weak
    key: float = Field(default=20, ge=0)  # a key link (or a part of one)
    downstream: float = Field(default=20, ge=0)  # x share of the chain's links downstream of it
    betweenness: float = Field(default=10, ge=0)  # x betweenness on the chain's flow (relative to its max)
    density: float = Field(default=10, ge=0)  # x relatedness density (only when feasibility is computed)
    part_factor: float = Field(default=0.6, ge=0, le=1)  # technologies / components: this share of the points


class StrengthOverride(_Sourced):
    """A sourced judgement that overrides the firm-count rule for one node (e.g. one world-scale plant)."""

    node: Id
    status: Literal["strong", "weak"]
    note: Text | None = None


class ScorecardWeights(Base):
    """Points per unit of each monthly scorecard (成绩单) measure; ``signed_amount`` is per 亿元."""

    trips: float = Field(default=3, ge=0)
    visits: float = Field(default=1, ge=0)
    projects: float = Field(default=2, ge=0)
    hosted: float = Field(default=2, ge=0)
    signed: float = Field(default=10, ge=0)
    signed_amount: float = Field(default=1, ge=0)
    started: float = Field(default=10, ge=0)
    producing: float = Field(default=10, ge=0)


class ScorecardSettings(Base):
    """The scorecard's weights and the overdue rule of the project pipeline."""

    weights: ScorecardWeights = ScorecardWeights()
    # a signed project not started this many days after its 签约日期 is overdue (逾期未开工)
    overdue_days: int = Field(default=180, ge=1)


class Region(Base):
    id: Id
    name: Name
    name_en: Text | None = None
    province: Name
    city: Text | None = None
    districts: list[Name] = Field(default_factory=list)
    local_companies: list[Id] = Field(default_factory=list)
    priority_regions: list[PriorityRegion] = Field(default_factory=list)
    thresholds: Thresholds = Thresholds()
    weights: Weights = Weights()
    gap_weights: GapWeights = GapWeights()
    strength_overrides: list[StrengthOverride] = Field(default_factory=list)
    default: bool = False  # the profile commands use when no --region is given (one per library)
    scorecard: ScorecardSettings = ScorecardSettings()
    note: Text | None = None
