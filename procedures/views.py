def procedure_list(r):
    pass


def procedure_detail(r, code):
    pass
