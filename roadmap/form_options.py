"""Drop-down options of model fields, read in one plain query."""


def read_options(field) -> list:
    """`field`'s options, read now in one query, for its widget to show however often the
    template reads them. Django reads a model field's options with `iterator()`, which on
    PostgreSQL opens a server-side cursor (declare, fetch, close: three round trips where one
    will do), and again at every reading. Set the field's `label_from_instance` first."""
    choice = field.iterator(field).choice
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    return empty + [choice(row) for row in field.queryset]
