"""Counts of the inbox's tabs kept by the database, exact at every commit (PostgreSQL).

The inbox shows how many dossiers each of the official's queues holds, per status and per
procedure (:func:`workflow.queues.counts`). Counting them from the dossiers on every request
reads tens of thousands of index entries for a leader of a large agency. Instead two small
tables hold the counts, and the database keeps them in the transaction of every change:

- :class:`~workflow.models.DossierCount`: dossiers per (receiving agency, status, procedure),
  moved by a trigger on ``dossiers_dossier`` (insert, delete, and an update that changes the
  status, the agency or the procedure);
- :class:`~workflow.models.StepCount`: open process steps per (unit, role, holder — 0 for the
  shared queue —, step name, receiving agency, dossier status, procedure), moved by a trigger on
  ``workflow_processstep`` (a step opened, closed, claimed, released, deleted) and by the
  dossier trigger when the status of a dossier with an open step changes.

Why triggers rather than the ``dossiers.signals.recorded`` signal: every path that writes these
rows is covered — transitions, the routing task, claiming and releasing, the admin, bulk SQL
(the benchmark's ``COPY``), deletions — and a transition pays no extra round trip to the
database. Each trigger writes one ``INSERT … ON CONFLICT DO UPDATE SET n = n + delta`` with its
keys in a fixed order, so concurrent transitions add up (no lost update: the row is locked until
the transaction ends) and two transactions moving dossiers in opposite directions lock the
rows in the same order (no deadlock between single-dossier changes).

``TRUNCATE`` fires no row trigger: Django's test flush empties the counters too (every table),
anything else that truncates must run :func:`rebuild`. ``manage.py queue_counts`` checks the
counters against the rows (:func:`differences`) and rewrites them (:func:`rebuild`).

Other databases (SQLite, the embedded demo) have no triggers here: the inbox counts the rows
there (:func:`kept`), which is fast enough for the demo's few dozen dossiers.
"""

from __future__ import annotations

from django.db import connection, transaction

# --- the triggers (installed by migration workflow 0007) -------------------------------------

DOSSIER_FUNCTION = """
CREATE OR REPLACE FUNCTION workflow_count_dossier() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_agency bigint; old_status smallint; old_procedure bigint;
    new_agency bigint; new_status smallint; new_procedure bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_agency := OLD.receiving_agency_id; old_status := OLD.status;
        old_procedure := OLD.procedure_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_agency := NEW.receiving_agency_id; new_status := NEW.status;
        new_procedure := NEW.procedure_id;
    END IF;
    INSERT INTO workflow_dossiercount AS c (agency_id, status, procedure_id, n)
    SELECT agency, status, procedure, sum(delta)
    FROM (VALUES (old_agency, old_status, old_procedure, -1),
                 (new_agency, new_status, new_procedure, 1)) AS v(agency, status, procedure, delta)
    WHERE agency IS NOT NULL
    GROUP BY agency, status, procedure HAVING sum(delta) <> 0
    ORDER BY agency, status, procedure
    ON CONFLICT (agency_id, status, procedure_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    IF TG_OP = 'UPDATE' THEN
        -- The dossier's open steps now count under its new agency, status or procedure.
        INSERT INTO workflow_stepcount AS c
            (unit_id, role, assignee_id, name, agency_id, status, procedure_id, n)
        SELECT s.handed_to_id, s.role, coalesce(s.assignee_id, 0), s.name, v.agency, v.status,
               v.procedure, sum(v.delta)
        FROM workflow_processstep s,
             (VALUES (old_agency, old_status, old_procedure, -1),
                     (new_agency, new_status, new_procedure, 1))
                 AS v(agency, status, procedure, delta)
        WHERE s.dossier_id = NEW.id AND s.finished_at IS NULL AND v.agency IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(v.delta) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (unit_id, role, assignee_id, name, agency_id, status, procedure_id)
        DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
"""

STEP_FUNCTION = """
CREATE OR REPLACE FUNCTION workflow_count_step() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_stepcount AS c
        (unit_id, role, assignee_id, name, agency_id, status, procedure_id, n)
    SELECT v.unit, v.role, v.assignee, v.name, d.receiving_agency_id, d.status, d.procedure_id,
           sum(v.delta)
    FROM (
        SELECT OLD.handed_to_id, OLD.role, coalesce(OLD.assignee_id, 0), OLD.name,
               OLD.dossier_id, -1
        WHERE TG_OP <> 'INSERT' AND OLD.finished_at IS NULL
        UNION ALL
        SELECT NEW.handed_to_id, NEW.role, coalesce(NEW.assignee_id, 0), NEW.name,
               NEW.dossier_id, 1
        WHERE TG_OP <> 'DELETE' AND NEW.finished_at IS NULL
    ) AS v(unit, role, assignee, name, dossier, delta)
    JOIN dossiers_dossier d ON d.id = v.dossier
    WHERE d.receiving_agency_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(v.delta) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (unit_id, role, assignee_id, name, agency_id, status, procedure_id)
    DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER workflow_count_dossier_rows AFTER INSERT OR DELETE ON dossiers_dossier
    FOR EACH ROW EXECUTE FUNCTION workflow_count_dossier();
CREATE TRIGGER workflow_count_dossier_moves
    AFTER UPDATE OF status, receiving_agency_id, procedure_id ON dossiers_dossier
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.receiving_agency_id IS DISTINCT FROM NEW.receiving_agency_id
          OR OLD.procedure_id IS DISTINCT FROM NEW.procedure_id)
    EXECUTE FUNCTION workflow_count_dossier();
CREATE TRIGGER workflow_count_step_rows AFTER INSERT OR DELETE ON workflow_processstep
    FOR EACH ROW EXECUTE FUNCTION workflow_count_step();
CREATE TRIGGER workflow_count_step_moves
    AFTER UPDATE OF finished_at, assignee_id, handed_to_id, role, name, dossier_id
    ON workflow_processstep
    FOR EACH ROW
    WHEN (OLD.finished_at IS DISTINCT FROM NEW.finished_at
          OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
          OR OLD.handed_to_id IS DISTINCT FROM NEW.handed_to_id
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.dossier_id IS DISTINCT FROM NEW.dossier_id)
    EXECUTE FUNCTION workflow_count_step();
"""

DROP = """
DROP TRIGGER IF EXISTS workflow_count_dossier_rows ON dossiers_dossier;
DROP TRIGGER IF EXISTS workflow_count_dossier_moves ON dossiers_dossier;
DROP TRIGGER IF EXISTS workflow_count_step_rows ON workflow_processstep;
DROP TRIGGER IF EXISTS workflow_count_step_moves ON workflow_processstep;
DROP FUNCTION IF EXISTS workflow_count_dossier();
DROP FUNCTION IF EXISTS workflow_count_step();
"""

# --- the counts the rows give (rebuild and check) --------------------------------------------

REAL_DOSSIER_COUNTS = """
SELECT receiving_agency_id, status, procedure_id, count(*)
FROM dossiers_dossier WHERE receiving_agency_id IS NOT NULL
GROUP BY 1, 2, 3
"""

REAL_STEP_COUNTS = """
SELECT s.handed_to_id, s.role, coalesce(s.assignee_id, 0), s.name, d.receiving_agency_id,
       d.status, d.procedure_id, count(*)
FROM workflow_processstep s JOIN dossiers_dossier d ON d.id = s.dossier_id
WHERE s.finished_at IS NULL AND d.receiving_agency_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

DOSSIER_KEY = "agency_id, status, procedure_id"
STEP_KEY = "unit_id, role, assignee_id, name, agency_id, status, procedure_id"
TABLES = (
    ("workflow_dossiercount", DOSSIER_KEY, REAL_DOSSIER_COUNTS),
    ("workflow_stepcount", STEP_KEY, REAL_STEP_COUNTS),
)


def kept(using: str | None = None) -> bool:
    """The database keeps the counters (PostgreSQL: the triggers above)."""
    from django.db import connections

    return (connections[using] if using else connection).vendor == "postgresql"


def install(schema_editor) -> None:
    """Create the triggers and fill the counters from the rows (a migration step)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DOSSIER_FUNCTION)
        cursor.execute(STEP_FUNCTION)
        cursor.execute(TRIGGERS)
    rebuild(schema_editor.connection.alias)


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


def rebuild(using: str = "default") -> None:
    """Rewrite both counters from the rows. The counters are locked against the triggers for
    the time of it: a change running meanwhile waits and then adds to the rebuilt counts."""
    from django.db import connections

    if not kept(using):
        return
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "LOCK TABLE workflow_dossiercount, workflow_stepcount IN SHARE ROW EXCLUSIVE MODE"
        )
        for table, key, real in TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constants of this module)
            cursor.execute(f"INSERT INTO {table} ({key}, n) {real}")  # noqa: S608


def differences(using: str = "default") -> list[tuple[str, tuple, int, int]]:
    """Where a counter and the rows disagree: (table, key, kept, real), empty when exact.
    Each table is compared in one statement (one snapshot of the rows and the counter)."""
    from django.db import connections

    if not kept(using):
        return []
    found = []
    with connections[using].cursor() as cursor:
        for table, key, real in TABLES:
            columns = [c.strip() for c in key.split(",")]
            joined = " AND ".join(f"k.{c} = r.{c}" for c in columns)  # never null
            picked = ", ".join(f"coalesce(k.{c}, r.{c})" for c in columns)
            cursor.execute(
                f"""
                SELECT {picked}, coalesce(k.n, 0), coalesce(r.n, 0)
                FROM (SELECT {key}, n FROM {table} WHERE n <> 0) k
                FULL JOIN ({real}) AS r({key}, n) ON {joined}
                WHERE coalesce(k.n, 0) <> coalesce(r.n, 0)
                ORDER BY 1, 2, 3
                """  # noqa: S608 (constants of this module)
            )
            for row in cursor.fetchall():
                found.append((table, tuple(row[:-2]), row[-2], row[-1]))
    return found
