"""Checks written as data: Wazuh SCA policy files, run unmodified, and an office's own rule files
in netguard's format. One rule language (Wazuh's ``f:``/``d:``/``p:``/``c:`` rules), one
evaluator, one derived watch list that the fixed collection script reads.

- model.py: the parsed rules and checks (pure data);
- rules.py: rule text → Rule, with the column of what is wrong;
- evaluate.py: Rule × Watched → rule result; a check's condition over its rules' results;
- loader.py: SCA policy files and netguard rule files → RuleFile, with located errors;
- watch.py: RuleFiles → the WatchList the script reads (validated data, never shell text);
- checks.py: a RuleFile's checks as CheckSpecs, so they travel the same pipeline as built-ins.
"""
