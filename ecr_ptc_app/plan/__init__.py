"""``ecr-ptc plan``'s pure parts: read two cloud assemblies' templates and classify every resource change
(added, updated in place, replaced, removed) with CloudFormation's resource schemas. Imports nothing here."""
