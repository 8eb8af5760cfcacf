"""Statistics and reports: the movement's figures for a period and an area, the same in the
group's ``/stats``, the console's ``tinbao report`` and the monthly report.

- ``period``: which days (Vietnam time) a report covers, and the period before it;
- ``area``: which communes (a unit's, a province's, or all of them);
- ``figures``: what is counted, as plain dataclasses;
- ``gather``: the figures read from the database, with the audit chain's head;
- ``summary``, ``charts``, ``workbook``: the same figures as text, pictures and an Excel register.
"""
