"""Routing's reads and writes: reps (one partition, listed with a Query),
assignments (in the lead's partition), the sparse SLA index, the sparse
`attention` index (unassigned and overdue assignments, for the admin list
and the watcher) and the speed-to-lead day counters.

Every change that touches a rep's load is one TransactWriteItems with the
assignment change it belongs to: the rep's counter moves only if the
assignment moves, and a claim is conditional on capacity left, so
concurrent routers never over-assign. Counters of the day item (no lead id
in it) are added in the same transaction as the change they count, so a
redelivered message or an overlapping run counts nothing twice. Low-level
calls (the models' client) because the conditions and the day item's
histogram attributes are dynamic."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ..clock import iso
from ..routing.assignment import CLOSED, OFFERED, UNASSIGNED, Assignment
from ..routing.reps import Rep
from .models import (
    ACTIVITY_PREFIX,
    ASSIGNMENT_PREFIX,
    LEAD_PREFIX,
    LEAD_SK,
    REP_PK,
    REP_PREFIX,
    SPEED_PK,
    LeadItem,
    lead_pk,
)

SLA_SHARDS = 4
_SLA_PREFIX = "SLA#"
OVERDUE = "overdue"  # offered past the SLA, and nobody else could take it
ATTENTION = (UNASSIGNED, OVERDUE)
_SLA_ATTRIBUTES = ["sla_due_at", "sla_shard"]
_ATTENTION_ATTRIBUTES = ["attention", "attention_at"]
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize
_ASSIGNMENT_FIELDS = tuple(Assignment.__dataclass_fields__)
_REP_FIELDS = tuple(Rep.__dataclass_fields__)
_LEAD_NAMES = (
    "lead_id",
    "email",
    "status",
    "stage",
    "form_id",
    "profile",
    "attribution",
    "score",
    "temperature",
    "score_breakdown",
    "prediction",
)
_LEAD_FIELDS = ", ".join(f"#{n}" for n in _LEAD_NAMES)


class RepUnavailable(Exception):
    """The rep's claim condition failed: full, out of office, or gone."""


class AlreadyAssigned(Exception):
    """Someone else wrote this transition's assignment first."""


class StaleAssignment(Exception):
    """The assignment moved on (another offer, accepted, closed) since it was read."""


class RepBusy(Exception):
    """The rep still has open assignments."""


class UnknownRep(LookupError):
    pass


def sla_shard(lead_id: str) -> str:
    number = int(hashlib.sha256(lead_id.encode()).hexdigest()[:8], 16) % SLA_SHARDS
    return f"{_SLA_PREFIX}{number}"


def assignment_sk(key: str) -> str:
    return ASSIGNMENT_PREFIX + key


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _item(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserialize(v)) for k, v in raw.items()}


def _values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serialize(v) for k, v in values.items()}


def _assignment(item: Mapping[str, Any]) -> Assignment:
    data = {"rep_id": None, **{k: item[k] for k in _ASSIGNMENT_FIELDS if k in item}}
    for name in ("tried", "history", "webhook_failures"):
        data[name] = tuple(data.get(name) or ())
    return Assignment(**data)


def _rep(item: Mapping[str, Any]) -> Rep:
    data = {k: item[k] for k in _REP_FIELDS if k in item}
    for name in ("pools", "territories", "industries", "company_sizes"):
        data[name] = tuple(data.get(name) or ())
    data["open_leads"] = tuple(sorted(data.get("open_leads") or ()))
    return Rep(**data)


def _update(
    key: Mapping[str, str],
    sets: Mapping[str, Any],
    removes: Iterable[str] = (),
    adds: Mapping[str, int] | None = None,
    condition: str | None = None,
    condition_values: Mapping[str, Any] | None = None,
    appends: Mapping[str, list] | None = None,
    condition_names: Mapping[str, str] | None = None,
    deletes: Mapping[str, set] | None = None,
) -> dict:
    """One Update operation (for a transaction or update_item)."""
    names, values, parts = {}, {}, []
    set_parts = []
    for n, (name, value) in enumerate(sets.items()):
        names[f"#s{n}"], values[f":s{n}"] = name, value
        set_parts.append(f"#s{n} = :s{n}")
    for n, (name, entries) in enumerate((appends or {}).items()):
        names[f"#p{n}"], values[f":p{n}"] = name, list(entries)
        values[":empty"] = []
        set_parts.append(f"#p{n} = list_append(if_not_exists(#p{n}, :empty), :p{n})")
    if set_parts:
        parts.append("SET " + ", ".join(set_parts))
    remove_names = []
    for n, name in enumerate(removes):
        names[f"#r{n}"] = name
        remove_names.append(f"#r{n}")
    if remove_names:
        parts.append("REMOVE " + ", ".join(remove_names))
    for clause, tag, changes in (("ADD", "a", adds), ("DELETE", "d", deletes)):
        clause_parts = []
        for n, (name, value) in enumerate((changes or {}).items()):
            names[f"#{tag}{n}"], values[f":{tag}{n}"] = name, value
            clause_parts.append(f"#{tag}{n} :{tag}{n}")
        if clause_parts:
            parts.append(f"{clause} " + ", ".join(clause_parts))
    operation = {"Key": _values(key), "UpdateExpression": " ".join(parts), "ExpressionAttributeNames": names}
    if condition:
        operation["ConditionExpression"] = condition
        values.update(condition_values or {})
        names.update(condition_names or {})
    if values:
        operation["ExpressionAttributeValues"] = _values(values)
    return operation


def holding(a: Assignment) -> str:
    """How the rep item names an assignment it holds (`open_leads`): the
    rep's own view reads these instead of an index over all assignments."""
    return f"{a.lead_id}#{a.key}"


def _claim(rep_id: str, at: str, bounded: bool, held: str) -> dict:
    """+1 open assignment, named in `open_leads`; within capacity and in
    office unless `bounded` is False (the default owner takes what nobody
    else can)."""
    condition = "attribute_exists(pk)"
    values: dict[str, Any] = {}
    names: dict[str, str] = {}
    if bounded:
        condition += " AND open_count < #capacity AND out_of_office = :no"
        values[":no"] = False
        names["#capacity"] = "capacity"  # a reserved word
    return _update(
        {"pk": REP_PK, "sk": REP_PREFIX + rep_id},
        {"last_assigned_at": at},
        adds={"open_count": 1, "open_leads": {held}},
        condition=condition,
        condition_values=values,
        condition_names=names,
    )


def _release(rep_id: str, held: str) -> dict:
    return _update(
        {"pk": REP_PK, "sk": REP_PREFIX + rep_id},
        {},
        adds={"open_count": -1},
        deletes={"open_leads": {held}},
        condition="open_count > :zero",
        condition_values={":zero": 0},
    )


def _count(day: str, counters: Mapping[str, int]) -> dict:
    return _update({"pk": SPEED_PK, "sk": day}, {}, adds=counters)


def _assignment_key(a: Assignment) -> dict[str, str]:
    return {"pk": lead_pk(a.lead_id), "sk": assignment_sk(a.key)}


def _index_fields(a: Assignment) -> tuple[dict[str, Any], list[str]]:
    """The sparse indexes' attributes: `sla` while an offer waits with an
    SLA, `attention` while nobody holds the lead."""
    sets: dict[str, Any] = {}
    removes: list[str] = []
    if a.status == OFFERED and a.sla_due_at:
        sets.update(sla_due_at=a.sla_due_at, sla_shard=sla_shard(a.lead_id))
    else:
        removes += _SLA_ATTRIBUTES
    if a.status == UNASSIGNED:
        sets.update(attention=UNASSIGNED, attention_at=a.unassigned_at)
    else:
        removes += _ATTENTION_ATTRIBUTES
    return sets, removes


def _offer_fields(a: Assignment) -> tuple[dict[str, Any], list[str]]:
    """What changes with the hands an assignment is in."""
    sets, removes = _index_fields(a)
    fields = (
        "status",
        "rep_id",
        "how",
        "reason",
        "offer",
        "offered_at",
        "reassignments",
        "accepted_at",
        "unassigned_at",
    )
    for name in (*fields, "unassigned_reason"):
        value = getattr(a, name)
        if value is None:
            removes.append(name)
        else:
            sets[name] = value
    sets["tried"] = list(a.tried)
    if a.sla_due_at is None:
        removes.append("sla_due_at")
    return sets, sorted(set(removes))


class RoutingStore:
    def __init__(self):
        self._table = LeadItem.Meta.table_name

    @property
    def _client(self):
        # the models' botocore client: no second client to build per cold start
        return LeadItem._get_connection().connection.client

    def _transact(self, operations: list[tuple[str, dict]]) -> list[str | None]:
        """Runs the operations; returns [] or each one's cancellation code."""
        items = [{kind: {"TableName": self._table, **operation}} for kind, operation in operations]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            codes = [r.get("Code") if r.get("Code") != "None" else None for r in reasons]
            if not any(codes):
                raise
            return codes
        return []

    # --- reps ------------------------------------------------------------------
    def reps(self) -> list[Rep]:
        found, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=_values({":pk": REP_PK}),
                ConsistentRead=True,
                **kwargs,
            )
            found += [_rep(_item(raw)) for raw in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    def rep(self, rep_id: str) -> Rep | None:
        raw = self._client.get_item(
            TableName=self._table, Key=_values({"pk": REP_PK, "sk": REP_PREFIX + rep_id}), ConsistentRead=True
        ).get("Item")
        return _rep(_item(raw)) if raw else None

    def put_rep(self, rep_id: str, fields: Mapping[str, Any], at: str) -> bool:
        """Creates or replaces the rep's profile; its load counter stays.
        True if the rep is new (ALL_OLD is empty only for a new item, on
        DynamoDB as on moto; UPDATED_OLD would leave out unchanged values)."""
        old = self._save_rep(rep_id, fields, at)
        return not old

    def patch_rep(self, rep_id: str, fields: Mapping[str, Any], at: str) -> None:
        """Changes only the named fields (None removes one). Raises UnknownRep."""
        try:
            self._save_rep(rep_id, fields, at, condition="attribute_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise UnknownRep(rep_id) from None

    def _save_rep(self, rep_id: str, fields: Mapping[str, Any], at: str, condition: str | None = None) -> dict:
        sets = {k: v for k, v in fields.items() if v is not None}
        removes = [k for k, v in fields.items() if v is None]
        operation = _update(
            {"pk": REP_PK, "sk": REP_PREFIX + rep_id},
            {**sets, "rep_id": rep_id, "updated_at": at},
            removes=removes,
            adds={"open_count": 0},
            condition=condition,
        )
        return self._client.update_item(TableName=self._table, ReturnValues="ALL_OLD", **operation).get(
            "Attributes", {}
        )

    def delete_rep(self, rep_id: str) -> None:
        """Raises UnknownRep, RepBusy (open assignments would lose their counter)."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_values({"pk": REP_PK, "sk": REP_PREFIX + rep_id}),
                ConditionExpression="attribute_exists(pk) AND open_count = :zero",
                ExpressionAttributeValues=_values({":zero": 0}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise (UnknownRep(rep_id) if self.rep(rep_id) is None else RepBusy(rep_id)) from None

    # --- assignments -------------------------------------------------------------
    def assignment(self, lead_id: str, key: str) -> Assignment | None:
        raw = self._client.get_item(
            TableName=self._table, Key=_values({"pk": lead_pk(lead_id), "sk": assignment_sk(key)}), ConsistentRead=True
        ).get("Item")
        return _assignment(_item(raw)) if raw else None

    def assignments(self, lead_id: str) -> list[Assignment]:
        """The lead's assignments, oldest first (one Query on the sort key)."""
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=_values({":pk": lead_pk(lead_id), ":p": ASSIGNMENT_PREFIX}),
            ConsistentRead=True,
        )
        return [_assignment(_item(raw)) for raw in page.get("Items", [])]

    @staticmethod
    def _put_new(a: Assignment) -> dict:
        indexed, _ = _index_fields(a)
        item = {k: v for k, v in a.view().items() if v is not None}
        return {
            "Item": _values({**_assignment_key(a), **item, **indexed}),
            "ConditionExpression": "attribute_not_exists(pk)",
        }

    def create(self, a: Assignment, bounded: bool) -> None:
        """The first offer, the rep's claim and the day's SQL count, together.
        Raises AlreadyAssigned, RepUnavailable."""
        codes = self._transact(
            [
                ("Put", self._put_new(a)),
                ("Update", _claim(a.rep_id, a.offered_at, bounded, holding(a))),
                ("Update", _count(a.sql_at[:10], {"sqls": 1})),
            ]
        )
        if codes and codes[0]:
            raise AlreadyAssigned()
        if codes:
            raise RepUnavailable(a.rep_id)

    def create_unassigned(self, a: Assignment) -> None:
        """An SQL nobody can take, kept and counted (the day's SQLs and
        unassigned). Raises AlreadyAssigned."""
        counters = {"sqls": 1, "unassigned": 1}
        if self._transact([("Put", self._put_new(a)), ("Update", _count(a.sql_at[:10], counters))]):
            raise AlreadyAssigned()

    @staticmethod
    def _change(
        current: Assignment,
        sets: Mapping[str, Any],
        removes: Iterable[str] = (),
        appends: Mapping[str, list] | None = None,
        status: str | None = None,
        outcome: str | None = None,
    ) -> dict:
        """An update of the assignment, valid only on the state that was read
        (and on the outcome read, when one is given)."""
        condition = "#offer = :offer AND #status = :status"
        values = {":offer": current.offer, ":status": status or current.status}
        names = {"#offer": "offer", "#status": "status"}
        if outcome is not None:
            condition += " AND #outcome = :outcome"
            values[":outcome"], names["#outcome"] = outcome, "outcome"
        return _update(
            _assignment_key(current),
            sets,
            removes,
            appends=appends,
            condition=condition,
            condition_values=values,
            condition_names=names,
        )

    def reoffer(
        self,
        current: Assignment,
        new: Assignment,
        bounded: bool,
        event: Mapping[str, Any],
        counters: Mapping[str, int] | None = None,
    ) -> None:
        """Takes the offer back from the current rep, if any (freeing
        capacity), and gives it to the next: to a rep (a claim, bounded by
        capacity unless it is the default owner) or to nobody (unassigned).
        Raises StaleAssignment, RepUnavailable."""
        sets, removes = _offer_fields(new)
        operations = [("Update", self._change(current, sets, removes, appends={"history": [event]}))]
        if current.rep_id is not None:
            operations.append(("Update", _release(current.rep_id, holding(current))))
        if new.rep_id is not None:
            operations.append(("Update", _claim(new.rep_id, new.offered_at, bounded, holding(new))))
        if counters:
            operations.append(("Update", _count(new.sql_at[:10], counters)))
        codes = self._transact(operations)
        if codes and codes[0]:
            raise StaleAssignment()
        claim = len(operations) - 1 - bool(counters) if new.rep_id is not None else None
        if codes and claim is not None and codes[claim]:
            raise RepUnavailable(new.rep_id)
        if codes:
            raise StaleAssignment()  # the old rep's counter was already released

    def mark_notified(self, a: Assignment, at: str, counters: Mapping[str, int] | None) -> None:
        """The current offer's rep mail went out (first one: counted)."""
        sets = {"notified_offer": a.offer, **({"notified_at": at} if counters else {})}
        operations = [("Update", self._change(a, sets, appends={"history": [a.event(at, "notified")]}))]
        if counters:
            operations.append(("Update", _count(a.sql_at[:10], counters)))
        if self._transact(operations):
            raise StaleAssignment()

    def mark_webhook(self, a: Assignment, at: str, failure: Mapping[str, Any] | None) -> None:
        appends = {"webhook_failures": [failure]} if failure else None
        operation = _update(_assignment_key(a), {"webhook_offer": a.offer}, appends=appends)
        self._client.update_item(TableName=self._table, **operation)

    def accept(self, a: Assignment, at: str, counters: Mapping[str, int]) -> None:
        """Raises StaleAssignment."""
        sets = {"status": "accepted", "accepted_at": at}
        change = self._change(
            a,
            sets,
            _SLA_ATTRIBUTES + _ATTENTION_ATTRIBUTES,
            appends={"history": [a.event(at, "accepted")]},
            status=OFFERED,
        )
        if self._transact([("Update", change), ("Update", _count(a.sql_at[:10], counters))]):
            raise StaleAssignment()

    def record_outcome(
        self, a: Assignment, outcome: str, at: str, closes: bool, details: Mapping[str, Any] | None = None
    ) -> None:
        """An outcome, its details (deal value, reason) on its history event;
        a closing one frees the rep's capacity. Raises StaleAssignment."""
        sets = {"outcome": outcome, **({"status": "closed", "closed_at": at} if closes else {})}
        operations = [
            (
                "Update",
                self._change(
                    a,
                    sets,
                    _SLA_ATTRIBUTES + _ATTENTION_ATTRIBUTES,
                    appends={"history": [a.event(at, "outcome", outcome=outcome, **(details or {}))]},
                    # a closed outcome taken back (a win): only the one read, once
                    outcome=a.outcome if a.status == CLOSED else None,
                ),
            )
        ]
        if closes:
            operations.append(("Update", _release(a.rep_id, holding(a))))
        if self._transact(operations):
            raise StaleAssignment()

    def stop_sla(self, a: Assignment, at: str, why: str) -> None:
        """Leaves the SLA index (nobody left to reassign to) and is listed
        as overdue until the rep answers."""
        change = self._change(
            a,
            {"attention": OVERDUE, "attention_at": a.sla_due_at or at},
            _SLA_ATTRIBUTES,
            appends={"history": [a.event(at, "sla stopped", detail=why)]},
        )
        if self._transact([("Update", change)]):
            raise StaleAssignment()

    def needing_attention(
        self, status: str, limit: int, start: Mapping[str, Any] | None = None
    ) -> tuple[list[Assignment], dict | None]:
        """One page of unassigned or overdue assignments, oldest first, from
        the sparse `attention` index (its size is the work, not the leads);
        and the key to go on from (None: last page)."""
        page = self._client.query(
            TableName=self._table,
            IndexName="attention",
            KeyConditionExpression="attention = :s",
            ExpressionAttributeValues=_values({":s": status}),
            Limit=limit,
            **({"ExclusiveStartKey": _values(start)} if start else {}),
        )
        last = page.get("LastEvaluatedKey")
        return [_assignment(_item(raw)) for raw in page.get("Items", [])], _item(last) if last else None

    def due(self, shard: int, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(lead id, assignment key) of offers whose SLA ran out, oldest first."""
        page = self._client.query(
            TableName=self._table,
            IndexName="sla",
            KeyConditionExpression="sla_shard = :s AND sla_due_at <= :now",
            ExpressionAttributeValues=_values({":s": f"{_SLA_PREFIX}{shard}", ":now": iso(now)}),
            Limit=limit,
        )
        found = []
        for raw in page.get("Items", []):
            item = _item(raw)
            found.append((item["pk"][len(LEAD_PREFIX) :], item["sk"][len(ASSIGNMENT_PREFIX) :]))
        return found

    # --- the lead, as routing and the rep's mail see it ----------------------------
    def lead(self, lead_id: str) -> dict[str, Any] | None:
        raw = self._client.get_item(
            TableName=self._table,
            Key=_values({"pk": lead_pk(lead_id), "sk": LEAD_SK}),
            ConsistentRead=True,
            ProjectionExpression=_LEAD_FIELDS,
            ExpressionAttributeNames={f"#{n}": n for n in _LEAD_NAMES},
        ).get("Item")
        return _item(raw) if raw else None

    def recent_activities(self, lead_id: str, count: int) -> list[dict[str, Any]]:
        """The newest activities, newest first (one Query, backwards)."""
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=_values({":pk": lead_pk(lead_id), ":p": ACTIVITY_PREFIX}),
            ProjectionExpression="#t, #a, #s",
            ScanIndexForward=False,
            Limit=count,
            ExpressionAttributeNames={"#t": "type", "#a": "at", "#s": "source"},
        )
        return [_item(raw) for raw in page.get("Items", [])]

    # --- speed to lead -------------------------------------------------------------
    def day_counters(self, first: str, last: str) -> list[dict[str, int]]:
        """The day items from first to last (one Query on the sort key range)."""
        found, start = [], None
        while True:
            kwargs = {"ExclusiveStartKey": start} if start else {}
            page = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                ExpressionAttributeValues=_values({":pk": SPEED_PK, ":a": first, ":b": last}),
                **kwargs,
            )
            for raw in page.get("Items", []):
                item = _item(raw)
                found.append({k: v for k, v in item.items() if k not in ("pk", "sk")})
            start = page.get("LastEvaluatedKey")
            if not start:
                return found
