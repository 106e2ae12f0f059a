# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the orchestrator_mail_info task in the Ansible worker (see plugin_utils/task_action.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils import info_task
from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.task_action import TaskAction


class ActionModule(TaskAction):
    TASK = info_task.TASK
