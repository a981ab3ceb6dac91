"""The single shared file (dossier unique): people, sections, plan, trajectory, progress, documents."""
