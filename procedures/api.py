from rest_framework.generics import ListAPIView, RetrieveAPIView


class ProcedureListView(ListAPIView):
    pass


class ProcedureDetailView(RetrieveAPIView):
    pass
