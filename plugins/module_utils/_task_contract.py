# -*- coding: utf-8 -*-
# Copyright: (c) 2025, infraops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Internal (not a public API of the collection): the contract between a task and its two runners.

A :class:`Task` is what a module is: its argument spec (types, choices, required, defaults; checked by
ansible-core), its rules (``required_together``; checked by ``_validation.check_rules`` so that both runners word
them the same way) and ``run(params, ctx, state)`` over validated parameters. The action plugin
(``plugin_utils/task_action.py``) and the module's ``main()`` (``task_support.run_as_module``) run the same Task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

#: rules the one validator checks itself (ansible-core's wording for them differs and cannot name one option)
VALIDATOR_RULES = ('required_together',)


class Task(object):
    """``Task(name, argument_spec, run, rules=None, writes=False)``.

    ``argument_spec`` is a function returning a fresh spec dict; ``writes`` says the task can change settings (its
    results then carry what the write journal recorded).
    """

    def __init__(self, name, argument_spec, run, rules=None, writes=False):
        self.name = name
        self._argument_spec = argument_spec
        self._run = run
        self.rules = dict(rules or {})
        self.writes = bool(writes)

    def argument_spec(self):
        return self._argument_spec()

    @property
    def core_rules(self):
        """The rules handed to ansible-core (``ArgumentSpecValidator`` / ``AnsibleModule``)."""
        return dict((k, v) for k, v in self.rules.items() if k not in VALIDATOR_RULES)

    def run(self, params, ctx, state):
        return self._run(params, ctx, state)

    def __repr__(self):
        return 'Task(%r)' % self.name


def as_task(obj):
    """The :class:`Task` of ``obj``: a Task, or a task module that defines ``TASK``."""
    if isinstance(obj, Task):
        return obj
    task = getattr(obj, 'TASK', None)
    if isinstance(task, Task):
        return task
    raise TypeError('not a task: %r' % (obj,))
