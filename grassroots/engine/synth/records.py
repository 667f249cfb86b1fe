"""Case records for a batch of units: persons, events and matters, all vectorised.

One array element per case, person, event or matter; no Python loop runs per row. Dates are
integer days since 1970-01-01 until they become Arrow ``date32`` columns. Anything that would
happen after the end of the requested window is left out (a pending review has no conclusion
date and no decision; an event after the window is not recorded), so every date lies within the
requested periods.

Rates are set near the published national levels (non-arrest ~34%, non-prosecution ~20%, plea
leniency ~88%, case-to-procedure ratio ~1.5) for an ordinary unit and move with latent quality
``q`` through ``logit(p) = logit(base) + beta * q``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from grassroots.engine.caseformat import EVENT_TYPES, MATTER_KINDS
from grassroots.engine.synth.people import MATTER_LINES, Handlers
from grassroots.engine.synth.population import BASE_PERSONS_PER_QUARTER

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

# Quarter-to-quarter rhythm of incoming cases (quieter around the Spring Festival).
SEASON = {1: 0.88, 2: 1.0, 3: 1.04, 4: 1.08}
EXTRA_PERSONS_PER_CASE = 0.3  # persons per case = 1 + Poisson(0.3)
ARREST_PATH = 0.55  # share of cases that start with an arrest review
NOT_APPROVED_TO_REVIEW = 0.75  # released suspects still sent for prosecution review


@dataclass(frozen=True)
class Rate:
    base: float  # probability for an ordinary unit (q = 0)
    beta: float = 0.0  # effect of one unit of latent quality on the log-odds

    def p(self, q: F64) -> F64:
        logit = np.log(self.base / (1.0 - self.base)) + self.beta * q
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)


RATES: dict[str, Rate] = {
    "non_arrest": Rate(0.34, 0.15),
    "not_prosecuted_direct": Rate(0.27),
    "not_prosecuted_released": Rate(0.35),
    "not_prosecuted_after_arrest": Rate(0.05, -0.45),
    "detained_after_arrest": Rate(0.70, -0.3),
    "detained_otherwise": Rate(0.04),
    "plea_leniency": Rate(0.88, 0.55),
    "fixed_term_given_plea": Rate(0.92, 0.4),
    "range_without_plea": Rate(0.40),
    "recommendation_adopted": Rate(0.95, 0.5),
    "withdrawn": Rate(0.003, -0.5),
    "acquitted": Rate(0.0008, -0.5),
    "light_after_arrest": Rate(0.12, -0.45),
    "light_otherwise": Rate(0.45),
    "remand_first": Rate(0.14, -0.55),
    "remand_second": Rate(0.25, -0.4),
    "extension_first": Rate(0.13, -0.55),
    "extension_second": Rate(0.20, -0.3),
    "detention_extension": Rate(0.06, -0.4),
    "arrest_appeal": Rate(0.01),
    "non_arrest_reconsideration": Rate(0.04),
    "non_arrest_review": Rate(0.25),
    "non_prosecution_reconsideration": Rate(0.03),
    "non_prosecution_review": Rate(0.20),
    "non_prosecution_appeal": Rate(0.015),
    "defendant_appeal": Rate(0.07, -0.4),
    "protest": Rate(0.006),
    "criminal_petition": Rate(0.01),
    "state_compensation_acquitted": Rate(0.3),
    "state_compensation": Rate(0.0005),
}

# Matters per unit of size 1 and quarter, and the chance of the good outcome.
MATTER_VOLUME = {
    "criminal_protest": 0.8,
    "civil_recommendation": 2.0,
    "admin_recommendation": 2.0,
    "pre_litigation_recommendation": 10.0,
}
MATTER_OUTCOMES = {
    "criminal_protest": (Rate(0.6, 0.5), "changed", "maintained"),
    "civil_recommendation": (Rate(0.9, 0.5), "adopted", "not_adopted"),
    "admin_recommendation": (Rate(0.9, 0.5), "adopted", "not_adopted"),
    "pre_litigation_recommendation": (Rate(0.95, 0.5), "remedied", "not_remedied"),
}
NO_DATE = np.iinfo(np.int64).max // 2  # "never": later than any window end


@dataclass(frozen=True)
class Batch:
    """The units of one batch and what the generator needs to know about them."""

    codes: Sequence[str]
    size: F64  # caseload factor per unit
    quality: F64  # (units, periods)
    period_keys: Sequence[str]
    period_start: I64  # days since epoch, per period
    period_days: I64  # length in days, per period
    quarter: I64  # quarter number 1-4, per period
    end: int  # last day of the window (days since epoch)
    scale: float
    # Share of remand and extension events left unrecorded, per unit × period (gaming units);
    # None: every unit records all of them.
    hidden: F64 | None = None


@dataclass
class _Cases:
    unit: I64
    period: I64
    seq: I64
    q: F64
    arrest_path: B
    arrest_received: I64
    arrest_decided: I64
    review_received: I64
    concluded: I64
    withdrawal: I64
    judged_on: I64
    remands: I64
    extensions: I64


def _days(rng: np.random.Generator, low: int, high: int, n: int) -> I64:
    """Whole days in [low, high]."""
    return rng.integers(low, high + 1, size=n, dtype=np.int64)


def _offsets(counts: I64) -> I64:
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def _cases(batch: Batch, rng: np.random.Generator) -> _Cases:
    n_units, n_periods = batch.quality.shape
    season = np.array([SEASON[int(q)] for q in batch.quarter])
    persons = BASE_PERSONS_PER_QUARTER * batch.size[:, None] * season[None, :] * batch.scale
    counts = rng.poisson(persons / (1.0 + EXTRA_PERSONS_PER_CASE)).astype(np.int64).ravel()
    cell = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    n = cell.size
    unit, period = cell // n_periods, cell % n_periods
    seq = np.arange(n, dtype=np.int64) - np.repeat(_offsets(counts), counts)
    q = batch.quality[unit, period]
    entry = batch.period_start[period] + (rng.random(n) * batch.period_days[period]).astype(
        np.int64
    )
    arrest_path = rng.random(n) < ARREST_PATH
    decided = entry + _days(rng, 1, 7, n)
    review = np.where(arrest_path, decided + _days(rng, 15, 75, n), entry)
    remand1 = rng.random(n) < RATES["remand_first"].p(q)
    remand2 = remand1 & (rng.random(n) < RATES["remand_second"].p(q))
    ext1 = rng.random(n) < RATES["extension_first"].p(q)
    ext2 = ext1 & (rng.random(n) < RATES["extension_second"].p(q))
    remands = remand1.astype(np.int64) + remand2
    extensions = ext1.astype(np.int64) + ext2
    # Review takes 10-40 days, at least a month when extended; each remand adds a month of
    # supplementary investigation, each extension half a month.
    base = _days(rng, 10, 40, n)
    base = np.where(ext1, np.maximum(base, 31), base)
    concluded = review + base + 30 * remands + 15 * extensions
    return _Cases(
        unit=unit,
        period=period,
        seq=seq,
        q=q,
        arrest_path=arrest_path,
        arrest_received=np.where(arrest_path, entry, NO_DATE),
        arrest_decided=np.where(arrest_path, decided, NO_DATE),
        review_received=review,
        concluded=concluded,
        withdrawal=concluded + _days(rng, 20, 80, n),
        judged_on=concluded + _days(rng, 20, 120, n),
        remands=remands,
        extensions=extensions,
    )


@dataclass
class _Persons:
    case: I64
    number: I64
    approved: B
    not_approved: B
    in_review: B
    concluded: B
    prosecuted: B
    not_prosecuted: B
    detained: B
    plea: B
    recommendation: I64  # -1 none given (not prosecuted), 0 none, 1 fixed term, 2 range
    adopted: B
    withdrawn: B
    judged: B
    acquitted: B
    light: B


def _persons(cases: _Cases, end: int, rng: np.random.Generator) -> _Persons:
    per_case = 1 + rng.poisson(EXTRA_PERSONS_PER_CASE, size=cases.unit.size).astype(np.int64)
    case = np.repeat(np.arange(per_case.size, dtype=np.int64), per_case)
    number = np.arange(case.size, dtype=np.int64) - np.repeat(_offsets(per_case), per_case)
    n = case.size
    q = cases.q[case]
    decided = cases.arrest_path[case] & (cases.arrest_decided[case] <= end)
    approved = decided & (rng.random(n) >= RATES["non_arrest"].p(q))
    not_approved = decided & ~approved
    released_on = not_approved & (rng.random(n) < NOT_APPROVED_TO_REVIEW)
    entered = (~cases.arrest_path[case]) | approved | released_on
    in_review = entered & (cases.review_received[case] <= end)
    concluded = in_review & (cases.concluded[case] <= end)
    p_np = np.where(
        approved,
        RATES["not_prosecuted_after_arrest"].p(q),
        np.where(
            not_approved, RATES["not_prosecuted_released"].base, RATES["not_prosecuted_direct"].base
        ),
    )
    not_prosecuted = concluded & (rng.random(n) < p_np)
    prosecuted = concluded & ~not_prosecuted
    p_detained = np.where(
        approved, RATES["detained_after_arrest"].p(q), RATES["detained_otherwise"].base
    )
    plea = concluded & (rng.random(n) < RATES["plea_leniency"].p(q))
    fixed = plea & (rng.random(n) < RATES["fixed_term_given_plea"].p(q))
    ranged = (plea & ~fixed) | (~plea & (rng.random(n) < RATES["range_without_plea"].base))
    recommendation = np.where(prosecuted, np.where(fixed, 1, np.where(ranged, 2, 0)), -1)
    withdrawn = prosecuted & (cases.withdrawal[case] <= end)
    withdrawn &= rng.random(n) < RATES["withdrawn"].p(q)
    judged = prosecuted & ~withdrawn & (cases.judged_on[case] <= end)
    acquitted = judged & (rng.random(n) < RATES["acquitted"].p(q))
    p_light = np.where(approved, RATES["light_after_arrest"].p(q), RATES["light_otherwise"].base)
    return _Persons(
        case=case,
        number=number,
        approved=approved,
        not_approved=not_approved,
        in_review=in_review,
        concluded=concluded,
        prosecuted=prosecuted,
        not_prosecuted=not_prosecuted,
        detained=concluded & (rng.random(n) < p_detained),
        plea=plea,
        recommendation=recommendation.astype(np.int64),
        adopted=judged
        & ~acquitted
        & (recommendation > 0)
        & (rng.random(n) < RATES["recommendation_adopted"].p(q)),
        withdrawn=withdrawn,
        judged=judged,
        acquitted=acquitted,
        light=judged & ~acquitted & (rng.random(n) < p_light),
    )


def _any(flags: B, persons: _Persons, n_cases: int) -> B:
    """Per case: does any of its persons have the flag? (persons are grouped by case)"""
    starts = _offsets(np.bincount(persons.case, minlength=n_cases).astype(np.int64))
    return np.maximum.reduceat(flags.astype(np.uint8), starts).astype(bool)


GAMED_EVENTS = (
    "remand_first",
    "remand_second",
    "review_extension_first",
    "review_extension_second",
)


@dataclass(frozen=True)
class _Gaming:
    """Which units leave remands and extensions unrecorded, by the quarter the event falls in."""

    hidden: F64  # (units, periods)
    period_start: I64
    rng: np.random.Generator

    def recorded(self, unit: I64, on: I64) -> B:
        period = np.clip(np.searchsorted(self.period_start, on, side="right") - 1, 0, None)
        share = self.hidden[unit, np.minimum(period, self.hidden.shape[1] - 1)]
        return np.asarray(self.rng.random(unit.size) >= share, dtype=bool)


def _events(
    cases: _Cases,
    persons: _Persons,
    end: int,
    rng: np.random.Generator,
    gaming: _Gaming | None = None,
) -> tuple[I64, I64, I64]:
    """(case index, event type index, date) of every event up to ``end``."""
    n = cases.unit.size
    q = cases.q
    has = {
        name: _any(flag, persons, n)
        for name, flag in (
            ("review", persons.in_review),
            ("approved", persons.approved),
            ("not_approved", persons.not_approved),
            ("not_prosecuted", persons.not_prosecuted),
            ("withdrawn", persons.withdrawn),
            ("judged", persons.judged),
            ("acquitted", persons.acquitted),
            ("convicted", persons.judged & ~persons.acquitted),
        )
    }

    def draw(name: str) -> B:
        return rng.random(n) < RATES[name].p(q)

    received, decided = cases.review_received, cases.arrest_decided
    remand1_on = received + _days(rng, 10, 30, n)
    ext1_on = received + 28 + 30 * cases.remands
    non_arrest_recon = has["not_approved"] & draw("non_arrest_reconsideration")
    np_recon = has["not_prosecuted"] & draw("non_prosecution_reconsideration")
    recon_on = decided + _days(rng, 1, 5, n)
    np_recon_on = cases.concluded + _days(rng, 1, 7, n)
    after_judgment = cases.judged_on + _days(rng, 1, 10, n)
    much_later = cases.judged_on + _days(rng, 30, 365, n)
    wanted: dict[str, tuple[B, I64]] = {
        "arrest_appeal": (has["approved"] & draw("arrest_appeal"), decided + _days(rng, 1, 20, n)),
        "non_arrest_reconsideration": (non_arrest_recon, recon_on),
        "non_arrest_review": (
            non_arrest_recon & draw("non_arrest_review"),
            recon_on + _days(rng, 7, 20, n),
        ),
        "detention_extension": (
            has["approved"] & draw("detention_extension"),
            decided + _days(rng, 50, 59, n),
        ),
        "remand_first": (has["review"] & (cases.remands >= 1), remand1_on),
        "remand_second": (
            has["review"] & (cases.remands >= 2),
            remand1_on + 30 + _days(rng, 10, 30, n),
        ),
        "review_extension_first": (has["review"] & (cases.extensions >= 1), ext1_on),
        "review_extension_second": (has["review"] & (cases.extensions >= 2), ext1_on + 14),
        "prosecution_withdrawal": (has["withdrawn"], cases.withdrawal),
        "non_prosecution_reconsideration": (np_recon, np_recon_on),
        "non_prosecution_review": (
            np_recon & draw("non_prosecution_review"),
            np_recon_on + _days(rng, 7, 30, n),
        ),
        "non_prosecution_appeal": (
            has["not_prosecuted"] & draw("non_prosecution_appeal"),
            cases.concluded + _days(rng, 1, 180, n),
        ),
        "defendant_appeal": (has["convicted"] & draw("defendant_appeal"), after_judgment),
        "protest": (has["judged"] & draw("protest"), after_judgment),
        "criminal_petition": (has["judged"] & draw("criminal_petition"), much_later),
        "state_compensation": (
            (has["acquitted"] & draw("state_compensation_acquitted"))
            | (has["judged"] & draw("state_compensation")),
            much_later,
        ),
    }
    case_parts, type_parts, date_parts = [], [], []
    for type_index, name in enumerate(EVENT_TYPES):
        mask, on = wanted[name]
        keep = mask & (on <= end)
        if gaming is not None and name in GAMED_EVENTS:
            keep &= gaming.recorded(cases.unit, on)
        case_parts.append(np.flatnonzero(keep).astype(np.int64))
        type_parts.append(np.full(int(keep.sum()), type_index, dtype=np.int64))
        date_parts.append(on[keep])
    case_ix, type_ix, dates = (np.concatenate(p) for p in (case_parts, type_parts, date_parts))
    order = np.lexsort((type_ix, case_ix))
    return case_ix[order], type_ix[order], dates[order]


# ---------------------------------------------------------------- Arrow columns


def _date(days: I64, valid: B) -> pa.Array:
    values = np.where(valid, days, 0).astype(np.int32)
    return pa.array(values, type=pa.int32(), mask=~valid).cast(pa.date32())


def _flag(values: B, valid: B) -> pa.Array:
    return pa.array(values, type=pa.bool_(), mask=~valid)


def _category(labels: Sequence[str], index: I64, valid: B) -> pa.Array:
    return pa.array(list(labels), type=pa.string()).take(
        pa.array(index, type=pa.int64(), mask=~valid)
    )


def _padded(numbers: I64, width: int) -> pa.Array:
    return pc.utf8_lpad(
        pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width=width, padding="0"
    )


def _case_ids(batch: Batch, cases: _Cases) -> tuple[pa.Array, pa.Array]:
    units = pa.array(list(batch.codes), type=pa.string()).take(pa.array(cases.unit))
    periods = pa.array(list(batch.period_keys), type=pa.string()).take(pa.array(cases.period))
    return units, pc.binary_join_element_wise(units, periods, _padded(cases.seq, 6), "-")


def _persons_table(
    cases: _Cases,
    persons: _Persons,
    ids: tuple[pa.Array, pa.Array],
    end: int,
    handled: tuple[pa.Array, pa.Array],
) -> pa.Table:
    c, p = persons.case, persons
    units, case_ids = (a.take(pa.array(c)) for a in ids)
    on_arrest = cases.arrest_path[c]
    decided = on_arrest & (cases.arrest_decided[c] <= end)
    return pa.table(
        {
            "unit_code": units,
            "case_id": case_ids,
            "person_id": pc.cast(pa.array(p.number + 1), pa.string()),
            "arrest_review_received": _date(cases.arrest_received[c], on_arrest),
            "arrest_decision": _category(
                ("approved", "not_approved"), p.not_approved.astype(np.int64), decided
            ),
            "arrest_decision_date": _date(cases.arrest_decided[c], decided),
            "prosecution_review_received": _date(cases.review_received[c], p.in_review),
            "via_arrest_review": _flag(on_arrest, p.in_review),
            "review_concluded_date": _date(cases.concluded[c], p.concluded),
            "prosecution_decision": _category(
                ("prosecuted", "not_prosecuted"), p.not_prosecuted.astype(np.int64), p.concluded
            ),
            "detained_at_charge": _flag(p.detained, p.concluded),
            "plea_leniency": _flag(p.plea, p.concluded),
            "sentencing_recommendation": _category(
                ("none", "fixed_term", "range"), np.maximum(p.recommendation, 0), p.prosecuted
            ),
            "recommendation_adopted": _flag(p.adopted, p.judged & (p.recommendation > 0)),
            "withdrawn": _flag(p.withdrawn, p.prosecuted),
            "withdrawal_date": _date(cases.withdrawal[c], p.withdrawn),
            "judgment": _category(
                ("convicted", "acquitted"), p.acquitted.astype(np.int64), p.judged
            ),
            "judgment_date": _date(cases.judged_on[c], p.judged),
            "light_sentence": _flag(p.light, p.judged & ~p.acquitted),
            "prosecutor_id": handled[0].take(pa.array(c)),
            "department": handled[1].take(pa.array(c)),
        }
    )


def _events_table(
    ids: tuple[pa.Array, pa.Array],
    handled: tuple[pa.Array, pa.Array],
    case_ix: I64,
    type_ix: I64,
    dates: I64,
) -> pa.Table:
    units, case_ids = (a.take(pa.array(case_ix, type=pa.int64())) for a in ids)
    staff, department = (a.take(pa.array(case_ix, type=pa.int64())) for a in handled)
    valid = np.ones(case_ix.size, dtype=bool)
    # One event of a type per case, so case id + type number is a unique event id.
    event_ids = pc.binary_join_element_wise(case_ids, _padded(type_ix + 1, 2), "-E")
    return pa.table(
        {
            "unit_code": units,
            "event_id": event_ids,
            "case_id": case_ids,
            "event_type": _category(EVENT_TYPES, type_ix, valid),
            "event_date": _date(dates, valid),
            "prosecutor_id": staff,
            "department": department,
        }
    )


def _handled(
    handlers: Handlers | None, line: str | Sequence[str], unit: I64, rng: np.random.Generator | None
) -> tuple[pa.Array, pa.Array]:
    """(prosecutor_id, department) per item; nulls without a roster."""
    if handlers is None or rng is None:
        empty = pa.nulls(unit.size, pa.string())
        return empty, empty
    if isinstance(line, str):
        staff, department = handlers.assign(line, unit, rng)
    else:  # one line per item
        staff = np.empty(unit.size, dtype=object)
        department = np.empty(unit.size, dtype=object)
        lines = np.asarray(line, dtype=object)
        for name in sorted(set(line)):
            at = np.flatnonzero(lines == name)
            staff[at], department[at] = handlers.assign(name, unit[at], rng)
    return pa.array(staff, pa.string()), pa.array(department, pa.string())


def case_tables(
    batch: Batch,
    rng: np.random.Generator,
    gaming_rng: np.random.Generator | None = None,
    handlers: Handlers | None = None,
    handler_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The persons and events tables of one batch of units.

    ``gaming_rng`` draws which events gaming units leave out; it is separate from ``rng`` so the
    records of every other unit are the same with or without gaming units. ``handler_rng``
    draws each case's handling prosecutor from ``handlers`` (separate for the same reason);
    without them the handler columns are empty."""
    cases = _cases(batch, rng)
    persons = _persons(cases, batch.end, rng)
    ids = _case_ids(batch, cases)
    gaming = None
    if batch.hidden is not None and gaming_rng is not None and batch.hidden.any():
        gaming = _Gaming(batch.hidden, batch.period_start, gaming_rng)
    events = _events(cases, persons, batch.end, rng, gaming)
    handled = _handled(handlers, "criminal", cases.unit, handler_rng)
    return (
        _persons_table(cases, persons, ids, batch.end, handled),
        _events_table(ids, handled, *events),
    )


def matters_table(
    batch: Batch,
    rng: np.random.Generator,
    handlers: Handlers | None = None,
    handler_rng: np.random.Generator | None = None,
) -> pa.Table:
    """Supervision matters: volume by unit size, good outcomes more likely with quality."""
    n_units, n_periods = batch.quality.shape
    volume = np.array([MATTER_VOLUME[k] for k in MATTER_KINDS])
    expected = batch.size[:, None, None] * volume[None, None, :] * batch.scale
    counts = rng.poisson(np.broadcast_to(expected, (n_units, n_periods, volume.size))).astype(
        np.int64
    )
    flat = counts.ravel()
    cell = np.repeat(np.arange(flat.size, dtype=np.int64), flat)
    unit, period, kind = (
        cell // (n_periods * volume.size),
        (cell // volume.size) % n_periods,
        cell % volume.size,
    )
    n = cell.size
    unit_period = unit * n_periods + period
    per_unit_period = np.bincount(unit_period, minlength=n_units * n_periods).astype(np.int64)
    seq = np.arange(n, dtype=np.int64) - np.repeat(_offsets(per_unit_period), per_unit_period)
    issued = batch.period_start[period] + (rng.random(n) * batch.period_days[period]).astype(
        np.int64
    )
    concluded_on = issued + _days(rng, 20, 90, n)
    done = concluded_on <= batch.end
    q = batch.quality[unit, period]
    good_p = np.zeros(n)
    for k, name in enumerate(MATTER_KINDS):
        good_p = np.where(kind == k, MATTER_OUTCOMES[name][0].p(q), good_p)
    good = rng.random(n) < good_p
    labels = ["pending"]
    outcome = np.zeros(n, dtype=np.int64)
    for k, name in enumerate(MATTER_KINDS):
        _, yes, no = MATTER_OUTCOMES[name]
        labels += [yes, no]
        outcome = np.where(kind == k, np.where(good, 1 + 2 * k, 2 + 2 * k), outcome)
    outcome = np.where(done, outcome, 0)
    units = pa.array(list(batch.codes), type=pa.string()).take(pa.array(unit))
    periods = pa.array(list(batch.period_keys), type=pa.string()).take(pa.array(period))
    valid = np.ones(n, dtype=bool)
    staff, department = _handled(handlers, [MATTER_LINES[k] for k in kind], unit, handler_rng)
    return pa.table(
        {
            "unit_code": units,
            "matter_id": pc.binary_join_element_wise(
                units, periods, pc.binary_join_element_wise("M", _padded(seq, 5), ""), "-"
            ),
            "kind": _category(MATTER_KINDS, kind, valid),
            "issued_date": _date(issued, valid),
            "concluded_date": _date(concluded_on, done),
            "outcome": _category(labels, outcome, valid),
            "prosecutor_id": staff,
            "department": department,
        }
    )
