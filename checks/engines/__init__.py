"""How checks are applied: one adapter per engine (sql, pandera, gx), each writing the rows
that break a check into the run's pending-violations table, in the same shape."""
