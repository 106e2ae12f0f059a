# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the orchestrator_mail_info module inside the worker process (see plugin_utils/inworker.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.infraops.uipath_orchestrator.plugins.plugin_utils.inworker import InWorkerModuleAction


class ActionModule(InWorkerModuleAction):
    MODULE = 'orchestrator_mail_info'
