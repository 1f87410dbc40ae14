"""Trial adequacy, TRD staging and the scale-based rules (clinical reference sections 1, 2, 7.4, 11.3, 11.5).

:func:`assess_trials` applies the app default of section 1.2 to every antidepressant trial and derives the
two-failed-trial definition, the Maudsley Staging Method (section 1.4) and the Thase-Rush stage (section
1.5). The rules TRD-01 to TRD-04 report on it; HORM-04a/b and HORM-05 live here because they read scale
scores rather than laboratory results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise, permutations

from .base import Context, Hit, Rule, Skip, memo_per_snapshot, months_before, threshold, whole_months_between
from .drugs import ANTIDEPRESSANTS, OTHER_ANTIDEPRESSANT, molecule
from .options import FailureDefinition, ScreeningOptions
from .result import (
    Category,
    Level,
    Mgh,
    MghItem,
    Msm,
    MsmItem,
    TrdAssessment,
    TrialAssessment,
    UsedValue,
    format_number,
)
from .scales import (
    EPDS_POSSIBLE_POINTS,
    EPDS_SELF_HARM_ITEM,
    PHQ9_SELF_HARM_ITEM,
    item_score,
    scores_up_to,
)
from .snapshot import Adherence, EctCourse, Laterality, Outcome, ScaleScore, Severity, Snapshot, Trial

# ---------------------------------------------------------------------------------------------------------
# Thresholds

TRD_MIN_FAILED_ANTIDEPRESSANTS = threshold("TRD_MIN_FAILED_ANTIDEPRESSANTS", 2, "drugs")
ADEQUATE_TRIAL_WEEKS = threshold("ADEQUATE_TRIAL_WEEKS", 6, "weeks")  # default; options.adequate_trial_weeks
FAILURE_IMPROVEMENT_BELOW_PCT = threshold("FAILURE_IMPROVEMENT_BELOW_PCT", 25, "%")  # default; lt50 option
# EU-PEARL (Sforzini 2022): a drug stopped before the end of week 4 without evidence of non-response is
# not a failure.
EARLY_STOP_DAYS = threshold("EARLY_STOP_DAYS", 28, "days")
SCORE_FRESHNESS_DAYS = threshold("SCORE_FRESHNESS_DAYS", 30, "days")
POSTPARTUM_MONTHS = threshold("POSTPARTUM_MONTHS", 12, "months")
EPDS_POSSIBLE = threshold("EPDS_POSSIBLE_POINTS", EPDS_POSSIBLE_POINTS, "points")
EPDS_PROBABLE = threshold("EPDS_PROBABLE_POINTS", 13, "points")  # default; options.epds_probable_cutoff
SELF_HARM_ITEM_POSITIVE = threshold("SELF_HARM_ITEM_POSITIVE_POINTS", 1, "points")

_FAILURE_BELOW_PCT = {
    FailureDefinition.IMPROVEMENT_BELOW_25: 25,
    FailureDefinition.IMPROVEMENT_BELOW_50: 50,
}

# ---------------------------------------------------------------------------------------------------------
# Maudsley Staging Method (section 1.4)

MSM_SEVERITY_POINTS: dict[Severity, tuple[str, int]] = {
    Severity.SUBSYNDROMAL: ("subsyndromal", 1),
    Severity.MILD: ("mild", 2),
    Severity.MODERATE: ("moderate", 3),
    Severity.SEVERE: ("severe without psychosis", 4),
    Severity.SEVERE_PSYCHOTIC: ("severe with psychosis", 5),
}
# (highest number of failed antidepressants, level); more than 10 is level 5.
MSM_TREATMENT_LEVELS: tuple[tuple[int, int], ...] = ((2, 1), (4, 2), (6, 3), (10, 4))
MSM_BANDS: tuple[tuple[int, str], ...] = ((6, "mild"), (10, "moderate"), (15, "severe"))
MSM_NOT_APPLICABLE = "not applicable: no failed adequate antidepressant trial"

# ---------------------------------------------------------------------------------------------------------
# MGH staging (section 1.6)

# ">= 6 weeks at adequate dose" is part of the MGH-s definition, so it holds whatever duration the clinic
# chose for adequacy elsewhere (section 13).
MGH_TRIAL_WEEKS = threshold("MGH_TRIAL_WEEKS", 6, "weeks")
MGH_POINTS_PER_TRIAL = 1.0
MGH_POINTS_PER_OPTIMISATION = 0.5
MGH_POINTS_PER_AUGMENTATION = 0.5
MGH_POINTS_FOR_ECT = 3.0


def msm_duration(months: int) -> tuple[str, int]:
    """Duration of the current episode in whole months: <= 12 acute (1), 13-24 sub-acute (2), > 24 chronic (3)."""
    if months <= 12:
        return "acute", 1
    if months <= 24:
        return "sub-acute", 2
    return "chronic", 3


def msm_treatment_level(failed_drugs: int) -> int:
    """Treatment-failure level from the number of failed antidepressants: 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-10 -> 4,
    more than 10 -> 5."""
    for highest, level in MSM_TREATMENT_LEVELS:
        if failed_drugs <= highest:
            return level
    return 5


def msm_band(score: int) -> str:
    """Fekadu 2018 bands: mild 3-6, moderate 7-10, severe 11-15."""
    for highest, band in MSM_BANDS:
        if score <= highest:
            return band
    return MSM_BANDS[-1][1]


# ---------------------------------------------------------------------------------------------------------
# Trial assessment


@dataclass(frozen=True, slots=True)
class _Span:
    """A dose period with its end made explicit (next period's start, or ``as_of`` while ongoing)."""

    dose: float
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class _Assessed:
    """A trial's public assessment plus what TRD-02 needs to know about it."""

    assessment: TrialAssessment
    ongoing: bool
    adequacy_problems: tuple[str, ...]  # dose, duration or adherence problems of a completed trial
    molecule: str
    drug_class: str
    adequate_days: int  # the longest run at or above the minimum dose, counted from the onset in the episode
    dose_raised: bool  # a dose period with a higher dose than the one before it


def _spans(trial: Trial, as_of: dt.date) -> list[_Span]:
    """Dose periods started by ``as_of``, in date order, each ending at its recorded end clipped to ``as_of``."""
    periods = sorted(trial.dose_periods, key=lambda p: p.start)
    spans: list[_Span] = []
    for i, period in enumerate(periods):
        if period.start > as_of:
            break
        end = period.end
        if end is None and i + 1 < len(periods):
            end = periods[i + 1].start  # an open period followed by a dose change ends at the change
        if end is None or end > as_of:
            end = as_of
        spans.append(_Span(period.daily_dose_mg, period.start, max(end, period.start)))
    return spans


def _longest_adequate_run_days(spans: Sequence[_Span], minimum: float, count_from: dt.date | None) -> int:
    """Longest stretch of consecutive days at a daily dose >= ``minimum``, counting from ``count_from``.

    Days are elapsed days (a trial from 1 March to 12 April is 42 days = 6 weeks). Contiguous dose periods
    at or above the minimum join into one run; a period that ends the day before (or the day) the next one
    starts is contiguous, so both ways of recording a dose change give the same run.
    """
    best = 0
    run: tuple[dt.date, dt.date] | None = None
    for span in spans:
        start = max(span.start, count_from) if count_from else span.start
        if span.dose < minimum or span.end < start:
            if run:
                best = max(best, (run[1] - run[0]).days)
            run = None
            continue
        if run and start <= run[1] + dt.timedelta(days=1):
            run = (run[0], max(run[1], span.end))
        else:
            if run:
                best = max(best, (run[1] - run[0]).days)
            run = (start, span.end)
    if run:
        best = max(best, (run[1] - run[0]).days)
    return best


def _weeks(days: int) -> str:
    return f"{format_number(round(days / 7, 1))} weeks"


def _mg(dose: float) -> str:
    return f"{format_number(dose)} mg/day"


def _pct(value: float) -> str:
    return f"{format_number(value)}%"


def _outcome_text(outcome: Outcome) -> str:
    return str(outcome).replace("_", " ")


def _failure_cut_pct(options: ScreeningOptions) -> int:
    return _FAILURE_BELOW_PCT[FailureDefinition(options.failure_definition)]


def _failed_by_outcome(outcome: Outcome | None, options: ScreeningOptions) -> bool:
    """Clinician judgement without a rating-scale improvement: no response fails; partial response fails
    only under the < 50% definition."""
    if outcome == Outcome.NO_RESPONSE:
        return True
    return outcome == Outcome.PARTIAL_RESPONSE and options.failure_definition == FailureDefinition.IMPROVEMENT_BELOW_50


def _trial_label(trial: Trial) -> str:
    if trial.drug in ANTIDEPRESSANTS:
        return trial.drug
    return trial.drug_text or (trial.drug if trial.drug != OTHER_ANTIDEPRESSANT else "other antidepressant")


def _assess_trial(
    trial: Trial,
    as_of: dt.date,
    options: ScreeningOptions,
    onset: dt.date | None,
) -> _Assessed:
    spans = _spans(trial, as_of)
    row = ANTIDEPRESSANTS.get(trial.drug)
    overrides = dict(options.min_dose_overrides)
    minimum = overrides.get(trial.drug, row.min_adequate_mg if row else None)
    required_days = options.adequate_trial_weeks * 7
    required = f"{options.adequate_trial_weeks} required"
    label = _trial_label(trial)
    max_dose = max(s.dose for s in spans)
    first_day, last_day = spans[0].start, spans[-1].end
    recorded_end = max(trial.dose_periods, key=lambda p: p.start).end
    ongoing = recorded_end is None or recorded_end > as_of

    reasons: list[str] = []  # every reason the trial is not adequate, plus notes
    problems: list[str] = []  # the dose, duration and adherence problems TRD-02 reports
    blocking = False

    in_episode = True
    if onset is None:
        reasons.append("episode onset not recorded: counted as part of the current episode")
    elif not ongoing and last_day < onset:
        in_episode = False
        blocking = True
        reasons.append(f"ended {last_day.isoformat()} before the current episode (onset {onset.isoformat()})")
    # Only days on or after the onset count toward the duration of a current-episode trial; a trial of an
    # earlier episode is described as it was.
    count_from = onset if (in_episode and onset is not None) else None
    episode_start = max(first_day, count_from) if count_from else first_day
    total_days = max((last_day - episode_start).days, 0)

    if minimum is None:
        weeks_days = 0
        blocking = True
        reasons.append(f"{label} is not in the minimum-dose table (table 1.3): dose adequacy cannot be assessed")
    else:
        weeks_days = _longest_adequate_run_days(spans, minimum, count_from)
        if max_dose < minimum:
            blocking = True
            text = f"{_mg(max_dose)} (below {_mg(minimum)})"
            reasons.append(text)
            problems.append(text)
    # Duration at or above the minimum dose; for an unlisted drug or a dose never adequate, the whole trial
    # (its dose problem is reported above).
    if minimum is not None and max_dose >= minimum:
        days, what = weeks_days, f" at or above {_mg(minimum)}"
    else:
        days, what = total_days, " in total"
    if days < required_days:
        blocking = True
        if ongoing:
            reasons.append(f"ongoing: {_weeks(days)} so far{what} ({required})")
        else:
            text = f"{_weeks(days)}{what} ({required})"
            reasons.append(text)
            problems.append(text)
    if trial.adherence == Adherence.POOR:
        blocking = True
        reasons.append("adherence documented as poor")
        problems.append("poor adherence")
    if trial.outcome == Outcome.TOO_EARLY:
        blocking = True
        reasons.append("too early to tell")
    if trial.outcome == Outcome.NOT_TOLERATED and not ongoing and (last_day - first_day).days < EARLY_STOP_DAYS.value:
        blocking = True
        reasons.append("stopped for intolerance before the end of week 4: not a failure (EU-PEARL)")

    adequate = not blocking
    failed = False
    if adequate:
        cut = _failure_cut_pct(options)
        if trial.improvement_pct is not None:
            failed = trial.improvement_pct < cut
            verdict = "failed" if failed else "not a failure"
            relation = f"below {cut}%" if failed else f"{cut}% or more"
            reasons.append(f"{verdict}: improvement {_pct(trial.improvement_pct)} ({relation})")
        elif trial.outcome is not None:
            failed = _failed_by_outcome(trial.outcome, options)
            verdict = "failed" if failed else "not a failure"
            reasons.append(f"{verdict}: outcome recorded as {_outcome_text(trial.outcome)}")
        else:
            reasons.append("no outcome or improvement recorded: not counted as a failure")

    drug_class = row.drug_class if row else "unlisted"
    assessment = TrialAssessment(
        drug=label,
        drug_class=drug_class,
        start=first_day,
        end=recorded_end,
        max_daily_dose_mg=max_dose,
        minimum_adequate_dose_mg=minimum,
        weeks_at_adequate_dose=round(weeks_days / 7, 1),
        in_current_episode=in_episode,
        adequate=adequate,
        failed=failed,
        reasons=tuple(reasons),
    )
    return _Assessed(
        assessment=assessment,
        ongoing=ongoing,
        adequacy_problems=tuple(problems) if (in_episode and not ongoing) else (),
        molecule=molecule(trial.drug) if row else label,
        drug_class=drug_class,
        adequate_days=weeks_days,
        dose_raised=_dose_raised(trial),
    )


def _dose_raised(trial: Trial) -> bool:
    periods = sorted(trial.dose_periods, key=lambda p: p.start)
    return any(later.daily_dose_mg > earlier.daily_dose_mg for earlier, later in pairwise(periods))


@memo_per_snapshot
def _assess_all(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions) -> list[_Assessed]:
    """Every trial started by ``as_of``, earliest first (a trial with no dose period cannot be assessed)."""
    trials = [t for t in snapshot.trials if t.dose_periods and min(p.start for p in t.dose_periods) <= as_of]
    trials.sort(key=lambda t: (min(p.start for p in t.dose_periods), t.drug))
    return [_assess_trial(t, as_of, options, snapshot.episode.onset) for t in trials]


def _failed_drugs(assessed: Sequence[_Assessed]) -> dict[str, str]:
    """Distinct drugs (molecule -> table 1.3 class) with an adequate, failed trial in the current episode."""
    failed: dict[str, str] = {}
    for item in assessed:
        if item.assessment.adequate and item.assessment.failed and item.assessment.in_current_episode:
            failed.setdefault(item.molecule, item.drug_class)
    return failed


def _in_episode(start: dt.date, end: dt.date | None, onset: dt.date | None, as_of: dt.date) -> bool:
    """A course given (at least partly) between the episode onset and ``as_of``."""
    return start <= as_of and (onset is None or end is None or end >= onset)


def _failed_augmentations(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions) -> int:
    """Failed augmentations given (at least partly) in the episode, as trials and ECT courses are counted: one
    started before the onset and still given after it was used in the episode."""
    onset = snapshot.episode.onset
    return sum(
        _in_episode(a.start, a.end, onset, as_of) and _failed_by_outcome(a.outcome, options)
        for a in snapshot.augmentations
    )


def _failed_ect_courses(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions) -> list[EctCourse]:
    """ECT courses of the episode that failed by the clinic's failure definition, as trials do."""
    onset = snapshot.episode.onset
    return [
        c for c in snapshot.ect if _in_episode(c.start, c.end, onset, as_of) and _failed_by_outcome(c.outcome, options)
    ]


def _msm(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions, failed_drugs: int) -> tuple[Msm | None, str]:
    if failed_drugs == 0:
        return None, MSM_NOT_APPLICABLE
    onset, severity = snapshot.episode.onset, snapshot.episode.severity
    missing = [
        what
        for what, value in (("episode onset", onset), ("baseline severity of the current episode", severity))
        if value is None
    ]
    if onset is None or severity is None:
        return None, f"not available: {' and '.join(missing)} not recorded"
    months = whole_months_between(onset, as_of)
    duration_label, duration_points = msm_duration(months)
    severity_label, severity_points = MSM_SEVERITY_POINTS[Severity(severity)]
    level = msm_treatment_level(failed_drugs)
    augmented = _failed_augmentations(snapshot, as_of, options) > 0
    ect = any(_in_episode(c.start, c.end, onset, as_of) for c in snapshot.ect)
    plural = "" if failed_drugs == 1 else "s"
    items = (
        MsmItem("duration", f"{duration_label} ({months} months since {onset.isoformat()})", duration_points),
        MsmItem("severity", severity_label, severity_points),
        MsmItem("treatment failures", f"level {level} ({failed_drugs} failed antidepressant{plural})", level),
        MsmItem("augmentation", "used" if augmented else "not used", int(augmented)),
        MsmItem("ECT", "used" if ect else "not used", int(ect)),
    )
    score = sum(item.points for item in items)
    return Msm(score=score, band=msm_band(score), items=items), ""


def _mgh(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions, assessed: Sequence[_Assessed]) -> Mgh | None:
    """MGH staging score (section 1.6): 1 point per failed adequate trial of at least 6 weeks in the episode,
    0.5 for each of those trials whose dose was raised, 0.5 for each failed augmentation given in the episode,
    3 for a failed ECT course in the episode. None without such a trial, as for the MSM."""
    trials = [
        item
        for item in assessed
        if item.assessment.adequate
        and item.assessment.failed
        and item.assessment.in_current_episode
        and item.adequate_days >= MGH_TRIAL_WEEKS.value * 7
    ]
    if not trials:
        return None
    raised = sum(item.dose_raised for item in trials)
    augmentations = _failed_augmentations(snapshot, as_of, options)
    ect = bool(_failed_ect_courses(snapshot, as_of, options))
    items = (
        MghItem(
            "failed adequate trials",
            f"{_count(len(trials), 'trial')} of at least {MGH_TRIAL_WEEKS.value} weeks at an adequate dose",
            len(trials) * MGH_POINTS_PER_TRIAL,
        ),
        MghItem(
            "dose optimisation",
            f"dose raised in {raised} of them" if raised else "no dose raised",
            raised * MGH_POINTS_PER_OPTIMISATION,
        ),
        MghItem(
            "augmentation",
            f"{_count(augmentations, 'failed augmentation')} in the episode" if augmentations else "none failed",
            augmentations * MGH_POINTS_PER_AUGMENTATION,
        ),
        MghItem("ECT", "failed course in the episode" if ect else "no failed course", MGH_POINTS_FOR_ECT * ect),
    )
    return Mgh(score=sum(item.points for item in items), items=items)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def thase_rush_stage(failed_classes: Sequence[str], failed_bilateral_ect: bool) -> int:
    """Thase-Rush 1997 stage (section 1.5) from the table 1.3 classes of distinct failed adequate trials.

    Read literally as a cumulative chain, each step using a trial not used before: I one failed trial; II
    plus one of a different class; III plus a TCA; IV plus an MAOI; V plus a failed bilateral ECT course.
    The assignment of trials to steps is searched so the highest stage reachable is returned.
    """
    classes = list(failed_classes)
    if not classes:
        return 0
    stage = 1
    for length in (4, 3, 2):
        if any(_chain_holds([classes[i] for i in order]) for order in permutations(range(len(classes)), length)):
            stage = length
            break
    if stage == 4 and failed_bilateral_ect:
        return 5
    return stage


def _chain_holds(chain: Sequence[str]) -> bool:
    steps = (
        lambda c: True,
        lambda c: c[1] != c[0],
        lambda c: c[2] == "TCA",
        lambda c: c[3] == "MAOI",
    )
    return all(step(chain) for step in steps[: len(chain)])


def assess_trials(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions) -> TrdAssessment:
    """Adequacy of every trial (section 1.2 app default), the TRD definition, MSM and Thase-Rush stage."""
    assessed = _assess_all(snapshot, as_of, options)
    failed = _failed_drugs(assessed)
    msm, note = _msm(snapshot, as_of, options, len(failed))
    failed_bilateral_ect = any(
        c.laterality == Laterality.BILATERAL for c in _failed_ect_courses(snapshot, as_of, options)
    )
    return TrdAssessment(
        trials=tuple(a.assessment for a in assessed),
        adequate_failed_trials=len(failed),
        meets_trd_definition=len(failed) >= TRD_MIN_FAILED_ANTIDEPRESSANTS.value,
        msm=msm,
        msm_note=note,
        thase_rush_stage=thase_rush_stage(list(failed.values()), failed_bilateral_ect),
        mgh=_mgh(snapshot, as_of, options, assessed),
    )


# ---------------------------------------------------------------------------------------------------------
# TRD rules (section 11.5)


def _adequacy_text(options: ScreeningOptions) -> str:
    return (
        f"adequate = at or above the table 1.3 minimum dose for >= {options.adequate_trial_weeks} consecutive "
        f"weeks in the current episode, adherence not poor; failure = improvement < {_failure_cut_pct(options)}%"
    )


def _check_trd_definition(rule: Rule, ctx: Context):
    trd = ctx.trd
    if not trd.trials:
        return Skip("no antidepressant trials recorded")
    if not trd.meets_trd_definition:
        return None
    failed = [t for t in trd.trials if t.adequate and t.failed and t.in_current_episode]
    drugs = list(dict.fromkeys(t.drug for t in failed))
    listed = "; ".join(
        f"{t.drug} {t.start.isoformat()} to {t.end.isoformat() if t.end else 'ongoing'} "
        f"({_mg(t.max_daily_dose_mg)}, {format_number(t.weeks_at_adequate_dose)} weeks at adequate dose)"
        for t in failed
    )
    return Hit(
        title=(
            f"{trd.adequate_failed_trials} antidepressants ({', '.join(drugs)}) failed adequate trials "
            "in the current episode"
        ),
        detail=f"Adequate, failed trials: {listed}. Criteria: {_adequacy_text(ctx.options)}.",
        threshold=f">= {format_number(TRD_MIN_FAILED_ANTIDEPRESSANTS.value)} adequate failed antidepressant trials",
        values=tuple(
            UsedValue(
                label=f"{t.drug} weeks at adequate dose", value=t.weeks_at_adequate_dose, unit="weeks", date=t.start
            )
            for t in failed
        ),
    )


def _check_inadequate_trials(rule: Rule, ctx: Context):
    assessed = _assess_all(ctx.snapshot, ctx.as_of, ctx.options)
    listed = [a for a in assessed if a.adequacy_problems]
    if not listed:
        return None
    texts = [f"{a.assessment.drug} {', '.join(a.adequacy_problems)}" for a in listed]
    count = len(listed)
    return Hit(
        message=rule.message.replace("<trials>", "; ".join(texts)),
        title=f"{count} trial{'s' if count > 1 else ''} in the current episode "
        f"{'do' if count > 1 else 'does'} not meet adequacy criteria: {'; '.join(texts)}",
        detail=(f"Not counted as failures: {'; '.join(texts)}. Criteria: {_adequacy_text(ctx.options)}."),
        threshold=(
            f"dose below the table 1.3 minimum, < {ctx.options.adequate_trial_weeks} weeks at the minimum dose, "
            "or poor adherence"
        ),
        values=tuple(
            UsedValue(
                label=f"{a.assessment.drug} highest daily dose",
                value=a.assessment.max_daily_dose_mg,
                unit="mg/day",
                date=a.assessment.start,
            )
            for a in listed
        ),
    )


def _check_msm(rule: Rule, ctx: Context):
    trd = ctx.trd
    if trd.adequate_failed_trials == 0:
        return None
    if trd.msm is None:
        return Skip(trd.msm_note.removeprefix("not available: ") + " (needed for the Maudsley Staging Method)")
    msm = trd.msm
    parts = " + ".join(f"{item.dimension} {item.category} {item.points}" for item in msm.items)
    return Hit(
        message=rule.message.replace("<n>", str(msm.score)).replace("<mild/moderate/severe>", msm.band),
        title=f"Maudsley Staging Method score is {msm.score} ({msm.band})",
        detail=f"MSM {msm.score} ({msm.band}) = {parts}.",
        threshold="MSM bands: mild 3-6, moderate 7-10, severe 11-15",
        values=(UsedValue(label="MSM score", value=msm.score, unit="points", date=ctx.as_of),),
    )


def _check_recent_score(rule: Rule, ctx: Context):
    oldest = ctx.as_of - dt.timedelta(days=int(SCORE_FRESHNESS_DAYS.value))
    phq9 = scores_up_to(ctx.snapshot.phq9, ctx.as_of)
    epds = scores_up_to(ctx.snapshot.epds, ctx.as_of)
    if any(s.date >= oldest for s in (*phq9, *epds)):
        return None
    latest = "; ".join(
        f"latest {name} {scores[-1].date.isoformat()}" if scores else f"no {name} recorded"
        for name, scores in (("PHQ-9", phq9), ("EPDS", epds))
    )
    return Hit(
        title=f"No PHQ-9 or EPDS since {oldest.isoformat()}",
        detail=f"No depression severity score between {oldest.isoformat()} and {ctx.as_of.isoformat()} ({latest}).",
        threshold="no PHQ-9 or EPDS in the last 30 days",
    )


TRD_01 = Rule(
    id="TRD-01",
    version=1,
    category=Category.TRD,
    severity=Level.INFO,
    message="Treatment history meets the common two-failed-trial definition of treatment-resistant depression.",
    follow_up="Review for pseudo-resistance; consider staging.",
    source="McIntyre 2023; Sforzini 2022",
    rationale=(
        "FDA, EMA and the EU-PEARL consensus define TRD as inadequate response to at least two antidepressants "
        "given at adequate dose and duration with adherence."
    ),
    thresholds=(TRD_MIN_FAILED_ANTIDEPRESSANTS, ADEQUATE_TRIAL_WEEKS, FAILURE_IMPROVEMENT_BELOW_PCT, EARLY_STOP_DAYS),
    check=_check_trd_definition,
    inputs="antidepressant trials (dose periods, adherence, outcome, improvement); episode onset",
)

TRD_02 = Rule(
    id="TRD-02",
    version=1,
    category=Category.TRD,
    severity=Level.INFO,
    message="One or more trials do not meet adequacy criteria and are not counted as failures: <trials>.",
    follow_up="Consider optimising dose/duration before labelling resistance.",
    source="ATRQ/ATHF conventions; Sforzini 2022",
    rationale=(
        "Many apparently resistant cases are pseudo-resistant because trials were too short, at too low a dose or "
        "not taken (McIntyre 2023); such trials are not counted as failures."
    ),
    thresholds=(ADEQUATE_TRIAL_WEEKS,),
    check=_check_inadequate_trials,
    inputs="antidepressant trials (dose periods, adherence); table 1.3 minimum doses; episode onset",
)

TRD_03 = Rule(
    id="TRD-03",
    version=2,  # 2: an augmentation started before the onset and given in the episode counts
    category=Category.TRD,
    severity=Level.INFO,
    message="Maudsley Staging Method score is <n> (<mild/moderate/severe>).",
    follow_up="Use with clinical judgement.",
    source="Fekadu 2009/2018",
    rationale=(
        "The Maudsley Staging Method grades resistance from episode duration, baseline severity, the number of "
        "failed antidepressants, augmentation and ECT."
    ),
    thresholds=(),
    check=_check_msm,
    inputs="episode onset and baseline severity; antidepressant trials; augmentation; ECT",
)

TRD_04 = Rule(
    id="TRD-04",
    version=1,
    category=Category.TRD,
    severity=Level.INFO,
    message="No depression severity score is recorded in the last 30 days.",
    follow_up="PHQ-9 (or MADRS/HAM-D).",
    source="[design]",
    rationale=(
        "Response and failure are judged against a current severity score; PHQ-9 and EPDS are current for 30 days."
    ),
    thresholds=(SCORE_FRESHNESS_DAYS,),
    check=_check_recent_score,
    inputs="PHQ-9 and EPDS dates (30 days)",
)


# ---------------------------------------------------------------------------------------------------------
# Postpartum EPDS and self-harm items (section 11.3)


def _postpartum_epds(ctx: Context) -> Skip | tuple[ScaleScore, dt.date] | None:
    """None when not postpartum (delivery within 12 months); a Skip when no usable EPDS; else (EPDS, delivery)."""
    delivery = ctx.snapshot.patient.delivery_date
    if delivery is None or not (months_before(ctx.as_of, int(POSTPARTUM_MONTHS.value)) <= delivery <= ctx.as_of):
        return None
    scores = scores_up_to(ctx.snapshot.epds, ctx.as_of)
    if not scores:
        return Skip(f"no EPDS recorded since the delivery on {delivery.isoformat()}")
    latest = scores[-1]
    oldest = ctx.as_of - dt.timedelta(days=int(SCORE_FRESHNESS_DAYS.value))
    if latest.date < oldest:
        return Skip(f"latest EPDS ({latest.date.isoformat()}) is older than 30 days")
    # The EPDS rules speak of postnatal depression (Cox 1987 validated the scale after delivery), so an
    # antenatal score does not count.
    if latest.date < delivery:
        return Skip(f"latest EPDS ({latest.date.isoformat()}) predates the delivery on {delivery.isoformat()}")
    return latest, delivery


def _epds_value(score: ScaleScore) -> UsedValue:
    return UsedValue(label="EPDS total", value=score.total, unit="points", date=score.date)


def _check_epds_possible(rule: Rule, ctx: Context):
    found = _postpartum_epds(ctx)
    if found is None or isinstance(found, Skip):
        return found
    score, delivery = found
    cutoff = ctx.options.epds_probable_cutoff
    if not (EPDS_POSSIBLE.value <= score.total < cutoff):
        return None
    band = f"{format_number(EPDS_POSSIBLE.value)} <= EPDS < {cutoff}"
    return Hit(
        title=f"EPDS {score.total} ({score.date.isoformat()}) is in the possible postnatal depression range",
        detail=f"EPDS total {score.total} on {score.date.isoformat()}, delivery on {delivery.isoformat()}; {band}.",
        threshold=band,
        values=(_epds_value(score),),
    )


def _check_epds_probable(rule: Rule, ctx: Context):
    found = _postpartum_epds(ctx)
    if found is None or isinstance(found, Skip):
        return found
    score, delivery = found
    cutoff = ctx.options.epds_probable_cutoff
    if score.total < cutoff:
        return None
    return Hit(
        title=f"EPDS {score.total} ({score.date.isoformat()}) is at or above the probable postnatal depression level",
        detail=(
            f"EPDS total {score.total} on {score.date.isoformat()}, delivery on {delivery.isoformat()}; "
            f"EPDS >= {cutoff}."
        ),
        threshold=f"EPDS >= {cutoff}",
        values=(_epds_value(score),),
    )


def _check_self_harm_item(rule: Rule, ctx: Context):
    """The latest administration with item answers (of any age), and, because each positive answer needs its
    own same-day review (Kroenke 2001), every administration of the last 30 days: a positive answer is not
    hidden by a negative one entered the next day, nor missed when an older form is entered late."""
    oldest = ctx.as_of - dt.timedelta(days=int(SCORE_FRESHNESS_DAYS.value))
    instruments = (
        ("PHQ-9", PHQ9_SELF_HARM_ITEM, ctx.snapshot.phq9),
        ("EPDS", EPDS_SELF_HARM_ITEM, ctx.snapshot.epds),
    )
    positive: list[str] = []
    described: list[str] = []
    values: list[UsedValue] = []
    seen_any = False
    for name, item, scores in instruments:
        itemised = [s for s in scores_up_to(scores, ctx.as_of) if s.has_items]
        if not itemised:
            described.append(f"no {name} with item answers recorded")
            continue
        seen_any = True
        *earlier, latest = itemised
        for score in (*(s for s in earlier if s.date >= oldest), latest):
            answer = item_score(score, item)
            if answer is None:
                if score is latest:
                    described.append(f"{name} of {score.date.isoformat()} has no item {item} answer")
                continue
            text = f"{name} item {item} answered {answer} on {score.date.isoformat()}"
            if score is latest:
                described.append(text)
            if answer >= SELF_HARM_ITEM_POSITIVE.value:
                positive.append(text)
                values.append(UsedValue(label=f"{name} item {item}", value=answer, unit="points", date=score.date))
    if not seen_any:
        return Skip("no PHQ-9 or EPDS with item answers recorded")
    if not positive:
        return None
    return Hit(
        title="; ".join(positive),
        detail=(
            f"Latest administrations with item answers: {'; '.join(described)}. Positive answers of the last "
            f"{int(SCORE_FRESHNESS_DAYS.value)} days are shown even when a later administration is negative."
        ),
        threshold="self-harm item score >= 1",
        values=tuple(values),
    )


HORM_04A = Rule(
    id="HORM-04a",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message="EPDS score is in the range often used to indicate possible postnatal depression.",
    follow_up="Clinical assessment; repeat EPDS in 2 weeks.",
    source="Cox 1987 [>= 10 U]",
    rationale=(
        "Many services use an EPDS of 10 or more for possible depression after childbirth; the score "
        "should not override clinical judgement and repeating it after 2 weeks helps in doubtful cases."
    ),
    thresholds=(EPDS_POSSIBLE, EPDS_PROBABLE, POSTPARTUM_MONTHS, SCORE_FRESHNESS_DAYS),
    check=_check_epds_possible,
    inputs="delivery date (12 months); latest EPDS total (30 days)",
)

HORM_04B = Rule(
    id="HORM-04b",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="EPDS score is at or above the level used to indicate probable postnatal depressive illness.",
    follow_up="Clinical assessment; thyroid tests if not recent.",
    source="Cox 1987",
    rationale=(
        "EPDS scores above the 12/13 split of the original validation indicate probable depressive illness "
        "(Cox 1987); postpartum thyroiditis can contribute in the first year."
    ),
    thresholds=(EPDS_PROBABLE, POSTPARTUM_MONTHS, SCORE_FRESHNESS_DAYS),
    check=_check_epds_probable,
    inputs="delivery date (12 months); latest EPDS total (30 days)",
)

HORM_05 = Rule(
    id="HORM-05",
    version=2,  # 2: positive answers of the last 30 days count, not only the latest administration's
    category=Category.SAFETY,
    severity=Level.IMPORTANT,
    message="The patient endorsed thoughts of self-harm on a screening item; review now per local protocol.",
    follow_up="Same-day clinician risk assessment.",
    source="Cox 1987; Kroenke 2001",
    rationale=(
        "Any score above 0 on EPDS item 10 or PHQ-9 item 9 (thoughts of self-harm) needs same-day clinician "
        "review: the latest answer is reported whatever its age, and every positive answer of the last 30 days "
        "even when a later one is negative."
    ),
    thresholds=(SELF_HARM_ITEM_POSITIVE, SCORE_FRESHNESS_DAYS),
    check=_check_self_harm_item,
    inputs=(
        "PHQ-9 item 9 and EPDS item 10: the latest administration with item answers (any age) and those of the "
        "last 30 days"
    ),
)

RULES: tuple[Rule, ...] = (HORM_04A, HORM_04B, HORM_05, TRD_01, TRD_02, TRD_03, TRD_04)
