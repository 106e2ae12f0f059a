"""Render the "UiPath Orchestrator" AWX credential type the way the controller does, for ci/ee_test.sh.

    python ee/awx_credential_env.py check
        The credential type (extensions/awx/credential_type_uipath_orchestrator.yml) must inject, as environment
        variables, exactly the ORCHESTRATOR_* variables the modules read for its inputs (env fallbacks of
        ORCHESTRATOR_ARGUMENT_SPEC), its secret inputs must feed no_log options, and `url` must be required.

    python ee/awx_credential_env.py envvars KEY=VALUE... > env/envvars
        Prints the env/envvars file (YAML) ansible-runner gets for a credential with these inputs: every env
        injector rendered with a sandboxed Jinja environment (an input left out renders as an empty string).

Run with a Python that has ansible-core, jinja2 and PyYAML (build/ee-venv), from the repository root.
"""
import os
import re
import sys

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CREDENTIAL_TYPE = os.environ.get('AWX_CREDENTIAL_TYPE_FILE') or os.path.join(
    ROOT, 'extensions', 'awx', 'credential_type_uipath_orchestrator.yml')


def load():
    with open(CREDENTIAL_TYPE) as f:
        return yaml.safe_load(f)


def module_env_fallbacks():
    """{ENV_VAR: (option, no_log)} from the modules' shared connection argument spec."""
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
    from ansible_collections.infraops.uipath_orchestrator.plugins.module_utils._connection import (
        ORCHESTRATOR_ARGUMENT_SPEC)
    out = {}
    for option, spec in ORCHESTRATOR_ARGUMENT_SPEC.items():
        fallback = spec.get('fallback') or ()
        if len(fallback) == 2 and getattr(fallback[0], '__name__', '') == 'env_fallback':
            for var in fallback[1]:
                out[var] = (option, bool(spec.get('no_log')))
    return out


def check():
    ct = load()
    fields = {f['id']: f for f in ct['inputs']['fields']}
    env = ct['injectors']['env']
    known = module_env_fallbacks()
    errors = []
    if ct.get('kind') not in ('cloud', 'net'):
        errors.append('kind must be cloud or net (custom credential types), got %r' % ct.get('kind'))
    if 'url' not in ct['inputs'].get('required', []):
        errors.append('the url input must be required')
    used = set()
    for var, template in sorted(env.items()):
        ids = set(re.findall(r'{{\s*(\w+)\s*}}', template))
        if len(ids) != 1 or not ids <= set(fields):
            errors.append('%s: template %r must name exactly one input field' % (var, template))
            continue
        field = fields[ids.pop()]
        used.add(field['id'])
        if var not in known:
            errors.append('%s: no module option reads it (not an env fallback of ORCHESTRATOR_ARGUMENT_SPEC)' % var)
            continue
        option, no_log = known[var]
        if bool(field.get('secret')) != no_log:
            errors.append('%s -> %s: secret=%s on the input but no_log=%s on the option'
                          % (var, option, bool(field.get('secret')), no_log))
        print('  %-29s <- input %-16s -> option %-22s%s' % (var, field['id'], option, ' (secret)' if no_log else ''))
    for fid in sorted(set(fields) - used):
        errors.append('input %s is injected nowhere' % fid)
    for e in errors:
        print('  ERROR: ' + e)
    return 1 if errors else 0


def envvars(pairs):
    ct = load()
    ids = {f['id'] for f in ct['inputs']['fields']}
    inputs = {}
    for pair in pairs:
        key, _, value = pair.partition('=')
        if key not in ids:
            sys.exit('unknown input %r (inputs: %s)' % (key, ', '.join(sorted(ids))))
        inputs[key] = value
    env = ImmutableSandboxedEnvironment()
    rendered = {var: env.from_string(tmpl).render(**inputs) for var, tmpl in ct['injectors']['env'].items()}
    sys.stdout.write('---\n' + yaml.safe_dump(rendered, default_flow_style=False, sort_keys=True))
    return 0


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'check':
        sys.exit(check())
    if len(sys.argv) >= 2 and sys.argv[1] == 'envvars':
        sys.exit(envvars(sys.argv[2:]))
    sys.exit(__doc__)
