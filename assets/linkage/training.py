"""Learning the model's parameters from data the project already has.

- u: random sampling of (mention, list name) pairs, which are nearly all non-matches.
- m: from labelled pairs of two kinds, each one Splink training session:
  1. pairs the lists themselves provide: two names of one listed entity (a primary name and its
     aliases, and the names of the same entity on another list, joined through the lists'
     official cross-references: UN reference numbers, IMO numbers). Only names are compared in
     this session: the entity's context is blanked on the "mention" side, so these pairs teach
     how names of one entity vary, not that an entity agrees with itself on countries or
     identifiers;
  2. labelled news (the real news training split and the team's samples, read from their
     training facts: `assets.linkage.facts`): each mention gold-linked to an entity, paired
     with that entity's closest name, counted level by level. These teach the context
     comparisons (how often a true match's article attributes the entity's country, gives a
     matching age, quotes its identifier) and how news writes names.
- u of the role-or-link comparison: from the labelled mentions' candidate pairs that are no
  match (`_u_from_candidates`). A random pair almost never has a linked entity or a listed
  position's organisation named around it, which would put the agreement beyond any name
  evidence; the pairs it has to tell apart are the namesakes blocking proposes.
- the prior (probability that a random mention/name pair matches): fitted so that, over every
  candidate pair of the labelled mentions (the labelled namesakes and other people included),
  the expected number of matches equals the labelled number (`calibrate_prior`).
- the record model only: every level's weight, the weight of the name's frequency adjustment
  and the prior refitted by penalised logistic regression on the labelled records' candidate
  pairs, each weight pulled towards the estimate above (`assets.linkage.weights`). Records are
  plentiful and labelled by construction; the independence the estimates above assume holds
  worse among the pairs blocking proposes than among random ones.
- the match band: the probability from which a pair is a match, fitted on the labelled
  mentions' articles with every rule of the bands; then the review band under it, where an
  analyst looks (`fit_bands`).

Training is deterministic (fixed seeds), so retraining on the same inputs writes the same file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from assets.linkage.model_json import model_version, smooth_m
from assets.linkage.scoring import Bands, score, score_at_bands
from assets.linkage.settings import ROLE_OR_LINK, settings_creator
from assets.linkage.splink_run import (
    LIST_RECORDS,
    MENTIONS,
    SplinkSession,
    copy_u,
    splink_session,
    term_frequencies,
    to_arrow,
)
from assets.linkage.weights import fit_level_weights

ALIAS_PAIR_SAMPLE = 20_000
U_MAX_PAIRS = 2_000_000
SEED = 20261126


@dataclass(frozen=True)
class GoldLink:
    """A labelled mention: this mention names this listed entity."""

    mention_id: str
    entity_id: str


@dataclass(frozen=True)
class TrainedModel:
    settings: dict[str, Any]
    version: str
    stats: dict[str, Any]
    bands: Bands  # fitted: the match band and the review band under it (`fit_bands`)


def _best_name_labels(
    mentions: pa.Table, list_records: pa.Table, gold: Sequence[GoldLink]
) -> pa.Table:
    """For each gold (mention, entity), the entity's list name closest to the mention."""
    con = duckdb.connect(":memory:")
    try:
        con.register("m", mentions)
        con.register("r", list_records)
        con.register(
            "g",
            pa.table(
                {
                    "mention_id": [g.mention_id for g in gold],
                    "entity_id": [g.entity_id for g in gold],
                }
            ),
        )
        return to_arrow(
            con.sql(
                f"""
                SELECT '{MENTIONS}' AS source_dataset_l, mention_id AS unique_id_l,
                       '{LIST_RECORDS}' AS source_dataset_r, unique_id AS unique_id_r
                FROM (
                    SELECT g.mention_id, r.unique_id,
                           row_number() OVER (
                               PARTITION BY g.mention_id, g.entity_id
                               ORDER BY jaro_winkler_similarity(m.sorted_core_key,
                                                                r.sorted_core_key) DESC,
                                        r.unique_id) AS rank
                    FROM g JOIN m ON m.unique_id = g.mention_id
                    JOIN r ON r.entity_id = g.entity_id
                    WHERE r.name_kind <> 'weak_alias'
                )
                WHERE rank = 1
                ORDER BY unique_id_l, unique_id_r
                """
            ).to_arrow_table()
        )
    finally:
        con.close()


def _alias_pairs(
    list_records: pa.Table, same_entity: Mapping[str, str] | None = None
) -> tuple[pa.Table, pa.Table]:
    """Pseudo-mentions (list names with their context blanked) and labels pairing each with
    another strong name of the same entity: on the same list (its aliases), or on another list
    when `same_entity` (entity_id -> the id of its group of cross-referenced entities) joins
    the two records."""
    groups = same_entity or {}
    con = duckdb.connect(":memory:")
    try:
        con.register("r", list_records)
        con.register(
            "g",
            pa.table(
                {
                    "entity_id": pa.array(list(groups), pa.string()),
                    "group_id": pa.array(list(groups.values()), pa.string()),
                }
            ),
        )
        pairs = to_arrow(
            con.sql(
                f"""
                WITH grouped AS (
                    SELECT r.unique_id, r.name_kind, coalesce(g.group_id, r.entity_id) AS same
                    FROM r LEFT JOIN g USING (entity_id)
                )
                SELECT a.unique_id AS left_id, b.unique_id AS right_id
                FROM grouped a JOIN grouped b ON a.same = b.same AND a.unique_id < b.unique_id
                WHERE a.name_kind <> 'weak_alias' AND b.name_kind <> 'weak_alias'
                ORDER BY hash(a.unique_id || b.unique_id || '{SEED}')
                LIMIT {ALIAS_PAIR_SAMPLE}
                """
            ).to_arrow_table()
        )
        con.register("p", pairs)
        pseudo = to_arrow(
            con.sql(
                """
                SELECT 'alias:' || r.unique_id AS unique_id, NULL::VARCHAR AS entity_id,
                       r.* EXCLUDE (unique_id, entity_id, countries, birth_years,
                                    identifiers, identifier_kinds, given_tokens, roles,
                                    role_names, related_names, context_entities),
                       []::VARCHAR[] AS countries, []::INTEGER[] AS birth_years,
                       []::VARCHAR[] AS identifiers, []::VARCHAR[] AS identifier_kinds,
                       []::VARCHAR[] AS given_tokens, []::VARCHAR[] AS roles,
                       []::VARCHAR[] AS role_names, []::VARCHAR[] AS related_names,
                       []::VARCHAR[] AS context_entities
                FROM r WHERE r.unique_id IN (SELECT left_id FROM p)
                """
            ).to_arrow_table()
        )
        labels = to_arrow(
            con.sql(
                f"""
                SELECT '{MENTIONS}' AS source_dataset_l, 'alias:' || left_id AS unique_id_l,
                       '{LIST_RECORDS}' AS source_dataset_r, right_id AS unique_id_r
                FROM p ORDER BY 2, 4
                """
            ).to_arrow_table()
        )
        return pseudo, labels
    finally:
        con.close()


def _list_pseudo_mentions(list_records: pa.Table) -> pa.Table:
    """List names dressed as mentions, their entity's facts moved to the mention-side context
    columns: random pairs of these with list names estimate u "over the lists"."""
    con = duckdb.connect(":memory:")
    try:
        con.register("r", list_records)
        return to_arrow(
            con.sql(
                """
                SELECT 'list:' || unique_id AS unique_id, NULL::VARCHAR AS entity_id,
                       * EXCLUDE (unique_id, entity_id, countries, sentence_countries,
                                  article_countries, attributed_countries, birth_years,
                                  birth_year_min, birth_year_max),
                       []::VARCHAR[] AS countries, countries AS sentence_countries,
                       countries AS article_countries, countries AS attributed_countries,
                       []::INTEGER[] AS birth_years,
                       list_min(birth_years) AS birth_year_min,
                       list_min(birth_years) AS birth_year_max
                FROM r
                """
            ).to_arrow_table()
        )
    finally:
        con.close()


def _align(table: pa.Table, like: pa.Table) -> pa.Table:
    """`table` with `like`'s columns, in `like`'s order and types."""
    return pa.table(
        {name: table.column(name).cast(like.schema.field(name).type) for name in like.column_names}
    )


def train(
    mentions: pa.Table,
    list_records: pa.Table,
    gold: Iterable[GoldLink],
    same_entity: Mapping[str, str] | None = None,
    *,
    records: bool = False,
    band_rules: Callable[[Bands], Bands] = lambda bands: bands,
    min_match_band: float = Bands.review,
) -> TrainedModel:
    """Estimate u, m and the prior; return the Splink settings dict with its version.
    `same_entity` maps entity ids to the group of records the lists' own cross-references
    (UN reference numbers, IMO numbers) say are one entity; their names are labelled pairs too.
    With `records`, the record model's declaration (`settings_creator`) is trained: `mentions`
    are then counterparty records dressed as mentions, each its own document. `band_rules`
    turns bands into the bands screening applies (`fit_bands`); the match band is fitted at
    `min_match_band` or above."""
    gold = list(gold)
    if not gold:
        raise ValueError("training needs labelled mentions; the sample articles gave none")
    tf = term_frequencies(list_records)
    gold_labels = _best_name_labels(mentions, list_records, gold)
    pseudo, alias_labels = _alias_pairs(list_records, same_entity)
    pseudo = _align(pseudo, mentions)
    all_left = pa.concat_tables([mentions, pseudo])
    prior = len(gold_labels) / max(1, mentions.num_rows * list_records.num_rows)

    u_sessions = [
        ("random pairs of list names", _align(_list_pseudo_mentions(list_records), mentions))
    ]
    if mentions.num_rows:
        u_sessions.append(("random pairs of sample mentions and list names", mentions))
    declared = settings_creator(prior, records)
    with splink_session(all_left, list_records, declared, tf) as session:
        linker = session.linker
        for description, left in u_sessions:
            with splink_session(left, list_records, declared, tf) as u_session:
                u_session.linker.training.estimate_u_using_random_sampling(
                    max_pairs=U_MAX_PAIRS, seed=SEED
                )
                copy_u(u_session.linker.misc.save_model_to_json(), linker, description)
        # Splink estimates m from the list's own alias pairs; the labelled sample pairs are
        # counted level by level below and combined with it.
        linker.training.estimate_m_from_pairwise_labels(  # type: ignore[no-untyped-call]
            session.register(alias_labels, "alias_labels")
        )
        settings = linker.misc.save_model_to_json()
        counts = _gold_level_counts(session, mentions, list_records, gold_labels)
    _smooth_mention_m(settings, counts)
    _u_from_candidates(settings, mentions, list_records, tf, gold, ROLE_OR_LINK)
    unobserved = _floor_unobserved(settings)
    calibrated = calibrate_prior(settings, mentions, list_records, tf, gold)
    settings["probability_two_random_records_match"] = calibrated
    refit = None
    if records:
        candidates = score(mentions, list_records, settings, tf, Bands(match=1.0, review=0.0))
        refit = fit_level_weights(settings, candidates, {(g.mention_id, g.entity_id) for g in gold})
    bands, f1_by_band, f2_by_band = fit_bands(
        settings, mentions, list_records, tf, gold, band_rules, min_match_band
    )
    stats = {
        "labelled_mentions": len({g.mention_id for g in gold}),
        "gold_pairs": len(gold_labels),
        "alias_pairs": alias_labels.num_rows,
        "cross_referenced_entities": len(same_entity or {}),
        "mentions": mentions.num_rows,
        "list_names": list_records.num_rows,
        "prior_from_pair_counts": prior,
        "prior": settings["probability_two_random_records_match"],
        **({"level_weights_fitted": refit} if refit else {}),
        "unobserved_levels": unobserved,
        "match_band_f1": {f"{band:.2f}": round(f1, 4) for band, f1 in f1_by_band.items()},
        "review_band_f2": {f"{band:.2f}": round(f2, 4) for band, f2 in f2_by_band.items()},
    }
    return TrainedModel(
        settings=settings,
        version=model_version(settings),
        stats=stats,
        bands=bands,
    )


CONTEXT_COMPARISONS = ("schema", "country", "birth_year", "identifier", ROLE_OR_LINK)
# Pseudo-pairs per level of a context comparison when smoothing its m: a quarter of a labelled
# pair, so a level no labelled pair reached (a birth year decades off, an attributed nationality
# that disagrees) weighs as the labelled news says, about one in several hundred, not one in the
# few dozen labelled pairs that give that comparison any data.
CONTEXT_PSEUDO_PAIRS = 0.25


def _logit2(p: float) -> float:
    return math.log2(p / (1 - p))


def _sigmoid2(x: float) -> float:
    return 1 / (1 + 2 ** (-x)) if x > -60 else 0.0


def calibrate_prior(
    settings: dict[str, Any],
    mentions: pa.Table,
    list_records: pa.Table,
    tf: pa.Table,
    gold: Sequence[GoldLink],
) -> float:
    """The prior, fitted on the labelled samples: shift every match weight by one constant so
    that, over all candidate (mention, entity) pairs the blocking proposes, the expected number
    of matches equals the number of labelled matches. The pair-count prior alone leaves the
    model under-confident, because list names repeat across lists and aliases, which inflates
    how often two "random" names agree."""
    candidates = score(mentions, list_records, settings, tf, Bands(match=1.0, review=0.0))
    positives = {(g.mention_id, g.entity_id) for g in gold}
    weights = candidates.column("match_weight").to_pylist()
    keys = zip(
        candidates.column("mention_id").to_pylist(),
        candidates.column("entity_id").to_pylist(),
        strict=True,
    )
    observed = sum(1 for key in keys if key in positives)
    if not weights or observed == 0:
        return float(settings["probability_two_random_records_match"])
    low, high = -30.0, 30.0
    for _ in range(100):
        shift = (low + high) / 2
        expected = sum(_sigmoid2(w + shift) for w in weights)
        low, high = (shift, high) if expected < observed else (low, shift)
    prior = float(settings["probability_two_random_records_match"])
    return _sigmoid2(_logit2(prior) + (low + high) / 2)


# The match bands tried by `fit_bands`: from the review band up.
MATCH_BAND_GRID = tuple(round(0.05 * step, 2) for step in range(7, 19))


# The review bands tried by `fit_bands`: from the scoring floor (`Bands.lift_from`) up to
# the match band.
REVIEW_BAND_GRID = tuple(round(0.05 * step, 2) for step in range(1, 19))
# The review band weighs recall over precision by this much (F-beta): a listed entity the
# analyst never sees costs more than a pair the analyst looks at and dismisses.
REVIEW_BAND_BETA = 2.0


def fit_bands(
    settings: dict[str, Any],
    mentions: pa.Table,
    list_records: pa.Table,
    tf: pa.Table,
    gold: Sequence[GoldLink],
    band_rules: Callable[[Bands], Bands] = lambda bands: bands,
    min_match_band: float = Bands.review,
) -> tuple[Bands, dict[float, float], dict[float, float]]:
    """The match band, then the review band under it, fitted on the labelled mentions, with
    the score at each band tried. A band's score is the F-beta of the (article, listed entity)
    pairs it flags, with every rule of the bands (weak aliases, rival namesakes, lifts into
    review: `matches_of_predictions`), scored as `sanctions eval` does (a labelled entity is
    found when any of its list records is); the band is the middle of the widest run of
    neighbouring bands at the best score (`middle_of_the_best`): the score is flat over a
    range, and its middle keeps the farthest from either edge, where a few labelled pairs
    decide.

    The match band: the F1 of the pairs in the match band. The review band: the F2 of the
    pairs in the match or the review band, recall weighed `REVIEW_BAND_BETA` times precision.
    A lower review band finds more of the labelled entities for more pairs to dismiss; the
    fit stops where the pairs it adds are mostly false alarms. `band_rules` turns each band
    tried into the bands screening applies (the record bands: `record_bands`); match bands
    under `min_match_band` are not tried."""
    article_of = dict(
        zip(
            mentions.column("unique_id").to_pylist(),
            mentions.column("article_id").to_pylist(),
            strict=True,
        )
    )
    entities = _labelled_entities(gold, article_of)

    def fitted(
        grid: Sequence[float],
        bands_at: Callable[[float], Bands],
        flagged_in: tuple[str, ...],
        beta: float,
    ) -> tuple[float, dict[float, float]]:
        tried = [band_rules(bands_at(b)) for b in grid]
        tables = score_at_bands(mentions, list_records, settings, tf, tried)
        scores = {
            band: _article_f_beta(table, entities, article_of, flagged_in, beta)
            for band, table in zip(grid, tables, strict=True)
        }
        return middle_of_the_best(scores), scores

    match, f1 = fitted(
        [band for band in MATCH_BAND_GRID if band >= max(Bands.review, min_match_band)],
        lambda band: Bands(match=band),
        ("match",),
        1.0,
    )
    review, f2 = fitted(
        [band for band in REVIEW_BAND_GRID if band <= match],
        lambda band: Bands(match=match, review=band),
        ("match", "review"),
        REVIEW_BAND_BETA,
    )
    return Bands(match=match, review=review), f1, f2


def middle_of_the_best(f1: Mapping[float, float]) -> float:
    """Of bands in rising order with their F1, the middle of the widest run of neighbours at
    the best F1 (the lower of two middles; the first run of the widest)."""
    bands = list(f1)
    best = max(f1.values())
    runs: list[list[float]] = []
    for i, band in enumerate(bands):
        if f1[band] < best:
            continue
        if runs and bands.index(runs[-1][-1]) == i - 1:
            runs[-1].append(band)
        else:
            runs.append([band])
    widest = max(runs, key=len)
    return widest[(len(widest) - 1) // 2]


def _labelled_entities(
    gold: Sequence[GoldLink], article_of: Mapping[str, str]
) -> dict[str, list[frozenset[str]]]:
    """Per article, its labelled entities, each as the list records a mention of it is linked
    to (the records of one entity on several lists); records shared by two mentions' links are
    one entity."""
    links: dict[str, set[str]] = {}
    for g in gold:
        links.setdefault(g.mention_id, set()).add(g.entity_id)
    found: dict[str, list[frozenset[str]]] = {}
    for mention_id, records in links.items():
        merged = set(records)
        kept = []
        for entity in found.get(article_of[mention_id], []):
            if entity & merged:
                merged |= entity
            else:
                kept.append(entity)
        found[article_of[mention_id]] = [*kept, frozenset(merged)]
    return found


def _article_f_beta(
    matches: pa.Table,
    entities: Mapping[str, list[frozenset[str]]],
    article_of: Mapping[str, str],
    flagged_in: tuple[str, ...],
    beta: float,
) -> float:
    """F-beta of the (article, listed entity) pairs of `matches` in the bands `flagged_in`
    against the labelled `entities`: a labelled entity found by any of its records; a flagged
    record of no labelled entity of its article a false alarm."""
    flagged: dict[str, set[str]] = {}
    for mention_id, entity_id, band in zip(
        matches.column("mention_id").to_pylist(),
        matches.column("entity_id").to_pylist(),
        matches.column("band").to_pylist(),
        strict=True,
    ):
        if band in flagged_in:
            flagged.setdefault(article_of[mention_id], set()).add(entity_id)
    tp = fp = fn = 0
    for article in set(flagged) | set(entities):
        records = flagged.get(article, set())
        labelled = entities.get(article, [])
        found = sum(1 for entity in labelled if entity & records)
        tp += found
        fn += len(labelled) - found
        fp += len(records - set().union(*labelled))
    weight = beta * beta
    return (1 + weight) * tp / ((1 + weight) * tp + weight * fn + fp) if tp else 0.0


def _u_from_candidates(
    settings: dict[str, Any],
    mentions: pa.Table,
    list_records: pa.Table,
    tf: pa.Table,
    gold: Sequence[GoldLink],
    comparison: str,
) -> None:
    """u of `comparison`'s levels from the candidate (mention, entity) pairs of the labelled
    mentions that are no gold link, counted by level with one pseudo-pair per level."""
    candidates = score(mentions, list_records, settings, tf, Bands(match=1.0, review=0.0))
    positives = {(g.mention_id, g.entity_id) for g in gold}
    counts: dict[str, int] = {}
    for mention_id, entity_id, levels in zip(
        candidates.column("mention_id").to_pylist(),
        candidates.column("entity_id").to_pylist(),
        candidates.column("levels").to_pylist(),
        strict=True,
    ):
        if (mention_id, entity_id) not in positives:
            label = dict(levels)[comparison]
            counts[label] = counts.get(label, 0) + 1
    (declared,) = (c for c in settings["comparisons"] if c["output_column_name"] == comparison)
    levels = [level for level in declared["comparison_levels"] if not level.get("is_null_level")]
    total = sum(counts.get(level["label_for_charts"], 0) for level in levels) + len(levels)
    for level in levels:
        level["u_probability"] = (counts.get(level["label_for_charts"], 0) + 1) / total


# Labelled pairs scored per Splink call by `_gold_level_counts`: Splink scores the cartesian
# product of the call's mentions and list names, so the calls stay small.
GOLD_PAIRS_PER_CALL = 200
_GAMMAS = ", ".join(f"gamma_{name}" for name in ("name", *CONTEXT_COMPARISONS))


def _gold_level_counts(
    session: SplinkSession, mentions: pa.Table, list_records: pa.Table, gold_labels: pa.Table
) -> dict[str, dict[int, int]]:
    """comparison -> gamma -> number of labelled (gold) pairs at that level, with the model's
    own comparison SQL (Splink scores the labelled pairs directly, `GOLD_PAIRS_PER_CALL` at a
    time: thousands of labelled records would make billions of pairs in one product)."""
    import pyarrow.compute as pc

    ordered = list(
        zip(
            gold_labels.column("unique_id_l").to_pylist(),
            gold_labels.column("unique_id_r").to_pylist(),
            strict=True,
        )
    )
    counts: dict[str, dict[int, int]] = {}
    for start in range(0, len(ordered), GOLD_PAIRS_PER_CALL):
        pairs = set(ordered[start : start + GOLD_PAIRS_PER_CALL])
        left_ids = pa.array(sorted({left for left, _ in pairs}), pa.string())
        right_ids = pa.array(sorted({right for _, right in pairs}), pa.string())
        left = mentions.filter(pc.is_in(mentions.column("unique_id"), left_ids))
        right = list_records.filter(pc.is_in(list_records.column("unique_id"), right_ids))
        scored = session.linker.inference.score_pairs(
            session.register(left, f"gold_left_{start}"),
            session.register(right, f"gold_right_{start}"),
        )
        rows = session.con.sql(
            f"SELECT unique_id_l, unique_id_r, {_GAMMAS} FROM {scored.physical_name}"
        ).to_arrow_table()
        scored.drop_table_from_database_and_remove_from_cache()
        for row in rows.to_pylist():
            if (row["unique_id_l"], row["unique_id_r"]) not in pairs:
                continue
            for name in ("name", *CONTEXT_COMPARISONS):
                gamma = int(row[f"gamma_{name}"])
                if gamma >= 0:
                    counts.setdefault(name, {}).setdefault(gamma, 0)
                    counts[name][gamma] += 1
    return counts


def _smooth_mention_m(settings: dict[str, Any], counts: Mapping[str, Mapping[int, int]]) -> None:
    """m from the labelled sample pairs, counted level by level, with a prior of one pseudo-pair
    per level (Laplace smoothing): a level no labelled pair reached gets 1/(n + levels), not
    zero, so a single birth year off by one cannot veto a match. For the name comparison the
    prior is shaped like the list's own alias pairs (Splink's estimate from them) instead of
    flat, so the ways names of one entity vary on the lists inform the rarely seen levels."""

    def weight(name: str) -> float:
        return 1.0 if name not in CONTEXT_COMPARISONS else CONTEXT_PSEUDO_PAIRS

    def pseudo(name: str, level: Mapping[str, Any], k: int) -> float:
        if name in CONTEXT_COMPARISONS:
            return weight(name)
        alias_m = level.get("m_probability")
        return k * alias_m if isinstance(alias_m, int | float) else 1.0

    smooth_m(
        settings,
        count=lambda name, gamma, _level: counts.get(name, {}).get(gamma, 0),
        total=lambda name: sum(counts.get(name, {}).values()),
        pseudo=pseudo,
        pseudo_total=lambda name, k: k * weight(name),
    )


# A level no labelled pair reached keeps this m, and one no random pair reached this u (less
# than one in the pairs sampled); both are reported in the model's stats.
UNOBSERVED_M = 1e-4
UNOBSERVED_U = 1 / U_MAX_PAIRS


def _floor_unobserved(settings: dict[str, Any]) -> list[str]:
    unobserved = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                value = level.get(key)
                if value is None or not isinstance(value, int | float) or value <= 0:
                    level[key] = UNOBSERVED_M if key == "m_probability" else UNOBSERVED_U
                    label = level.get("label_for_charts")
                    unobserved.append(f"{comparison['output_column_name']}: {label} ({key[0]})")
    return unobserved
