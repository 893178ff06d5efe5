# -*- coding: utf-8 -*-
# Copyright: Contributors to the hastack.redis project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a module result the way the controller does."""

from __future__ import annotations


def warnings_of(result):
    """The texts of a module result's warnings (ansible-core 2.19 returns them as structured summaries)."""
    return [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings') or []]
